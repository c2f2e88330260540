"""The 13 procedures ossdesk files: codes, Japanese names and back-ends."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    backend: str  # "mlit" (registered vehicles) or "kei"


PROCEDURES: tuple[Procedure, ...] = (
    Procedure("shinsha_shinki", "新車新規登録", "mlit"),
    Procedure("chuko_shinki", "中古新規登録", "mlit"),
    Procedure("iten", "移転登録", "mlit"),
    Procedure("henko", "変更登録", "mlit"),
    Procedure("ichiji_massho", "一時抹消登録", "mlit"),
    Procedure("eikyu_massho", "永久抹消登録", "mlit"),
    Procedure("iten_ichiji_massho", "移転一時抹消登録", "mlit"),
    Procedure("iten_eikyu_massho", "移転永久抹消登録", "mlit"),
    Procedure("henko_ichiji_massho", "変更一時抹消登録", "mlit"),
    Procedure("kisai_henko", "記載変更", "mlit"),
    Procedure("keizoku", "継続検査", "mlit"),
    Procedure("kei_shinsha_shinki", "新車新規検査", "kei"),
    Procedure("kei_keizoku", "継続検査", "kei"),
)

BY_CODE = {p.code: p for p in PROCEDURES}


def for_backend(backend: str) -> list[Procedure]:
    return [p for p in PROCEDURES if p.backend == backend]


@dataclass(frozen=True)
class OutOfScopeProcedure:
    code: str
    name: str


# OSS procedures that bulk filing through ossdesk (as through AINAS) does not handle.
OUT_OF_SCOPE_PROCEDURES: tuple[OutOfScopeProcedure, ...] = (
    OutOfScopeProcedure("shoyusha_henko_kiroku", "所有者変更記録"),
    OutOfScopeProcedure("kaitai_todoke", "解体等届出"),
    OutOfScopeProcedure("shoyusha_henko_kaitai_todoke", "所有者変更記録解体等届出"),
    OutOfScopeProcedure("yushutsu_massho_kari", "輸出抹消仮登録"),
    OutOfScopeProcedure("iten_yushutsu_massho_kari", "移転輸出抹消仮登録"),
    OutOfScopeProcedure("henko_yushutsu_massho_kari", "変更輸出抹消仮登録"),
    OutOfScopeProcedure("yushutsu_yotei_todoke", "輸出予定届出"),
    OutOfScopeProcedure("shoyusha_henko_yushutsu_yotei_todoke", "所有者変更記録輸出予定届出"),
)

# code or Japanese name -> Japanese name (forms.rules.out_of_scope explains the refusal)
OUT_OF_SCOPE: dict[str, str] = {
    key: p.name for p in OUT_OF_SCOPE_PROCEDURES for key in (p.code, p.name)
}
