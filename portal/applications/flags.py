"""The メ / 運 (kei: メ / 軽 / 期) flags of an application, read from ``Application.flags``.

Labels and names come from ``oss.status.FLAGS`` (one vocabulary with the OSS
client); the stored JSON gives the contents. A flag is raised when it has items.
"""

from dataclasses import dataclass

from oss.status import FLAGS
from oss.status import Flag
from oss.status import FlagItem


def _items(raw) -> tuple[FlagItem, ...]:
    entries = raw.get("items", []) if isinstance(raw, dict) else raw
    if not isinstance(entries, list):
        return ()
    return tuple(FlagItem(str(i.get("title", "")), str(i.get("body", "")), str(i.get("at", "")))
                 for i in entries if isinstance(i, dict))


def flags_of(app) -> list[Flag]:
    """Every flag of ``app``'s back-end, in column order (raised or not)."""
    stored = app.flags if isinstance(app.flags, dict) else {}
    return [Flag(code=code, label=label, name=name, items=_items(stored.get(code) or {}))
            for code, (label, name) in FLAGS[str(app.backend)].items()]


@dataclass(frozen=True)
class FlagColumn:
    code: str
    header: str
    title: str


def columns(backend: str = "") -> list[FlagColumn]:
    """The list's flag columns: one back-end's letters, or both side by side when mixed."""
    if backend:
        return [FlagColumn(code, label, name) for code, (label, name) in FLAGS[backend].items()]
    codes = dict.fromkeys(c for table in FLAGS.values() for c in table)
    out = []
    for code in codes:
        entries = [FLAGS[b][code] for b in FLAGS if code in FLAGS[b]]
        header = "/".join(dict.fromkeys(label for label, _ in entries))
        title = "/".join(dict.fromkeys(name for _, name in entries))
        out.append(FlagColumn(code, header, title))
    return out


def cells(app, cols: list[FlagColumn]) -> list[Flag | None]:
    """``app``'s flag under each column (None where its back-end has no such flag)."""
    mine = {f.code: f for f in flags_of(app)}
    return [mine.get(c.code) for c in cols]
