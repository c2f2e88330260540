"""Synonym groups: a query term equal to one member also finds the others.

Only whole terms expand (``車検`` finds ``継続検査``; ``車検証`` does not turn
into ``継続検査証``). Members are folded when the table is built, so width and
kana variants of a member expand too.
"""

from faq.text import fold

GROUPS: tuple[tuple[str, ...], ...] = (
    ("車検", "継続検査"),
    ("車庫証明", "車庫証明書", "保管場所証明", "保管場所証明書"),
    ("印鑑証明", "印鑑証明書", "印鑑登録証明書"),
    ("車検証", "自動車検査証"),
    ("保適証", "保安基準適合証"),
    ("自賠責", "自賠責保険", "自動車損害賠償責任保険"),
    ("名義変更", "移転登録"),
    ("住所変更", "変更登録"),
    ("廃車", "抹消登録"),
    ("ダイレクト納付", "ワンクリック納付"),
    ("料金", "利用料", "利用料金"),
    ("利用時間", "利用可能時間", "稼働時間", "営業時間"),
    ("oss", "ワンストップサービス"),
    ("電子委任状", "電子的な委任状"),
)


def _build() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for group in GROUPS:
        members = tuple(dict.fromkeys(fold(m) for m in group))
        for member in members:
            table[member] = members
    return table


_TABLE = _build()


def expand(term: str) -> tuple[str, ...]:
    """The folded alternatives for a folded ``term`` (the term itself first)."""
    members = _TABLE.get(term)
    if not members:
        return (term,)
    return (term, *(m for m in members if m != term))
