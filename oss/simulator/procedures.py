"""What the simulated OSS knows about each procedure: its flow and its fees.

OSS is the authority on its own flow, so the simulator keeps this table and
publishes it (``GET /<backend>/procedures``): the authorities reviewing in
parallel, whether a 受付番号リスト is needed, and the statuses at which a
中断予約 takes effect (the checkpoints).
"""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from forms.catalogue import PROCEDURES
from oss.families import family_of
from oss.status import PAYMENT
from oss.status import REVIEW

AUTHORITIES = {
    "police": "警察署(保管場所)",
    "tax": "都道府県税事務所",
    "transport": "運輸支局",
    "kei": "軽自動車検査協会",
}

# Procedure code -> authorities reviewing it.
_REVIEWERS = {
    "shinsha_shinki": ("police", "tax", "transport"),
    "chuko_shinki": ("police", "tax", "transport"),
    "iten": ("police", "tax", "transport"),
    "henko": ("police", "tax", "transport"),
    "ichiji_massho": ("tax", "transport"),
    "eikyu_massho": ("tax", "transport"),
    "iten_ichiji_massho": ("tax", "transport"),
    "iten_eikyu_massho": ("tax", "transport"),
    "henko_ichiji_massho": ("tax", "transport"),
    "kisai_henko": ("transport",),
    "keizoku": ("transport",),
    "kei_shinsha_shinki": ("kei",),
    "kei_keizoku": ("kei",),
}

# Statuses where a 中断予約 takes effect, per family.
_CHECKPOINTS = {
    "registration": (REVIEW, PAYMENT),
    "deregistration": (REVIEW, PAYMENT),
    "inspection": (PAYMENT,),
    "kei": (REVIEW,),
}

NO_RECEIPT_LIST = frozenset({"keizoku", "kei_keizoku"})


@dataclass(frozen=True)
class Profile:
    code: str
    name: str
    backend: str
    family: str
    authorities: tuple[str, ...]
    needs_receipt_list: bool
    checkpoints: tuple[str, ...]

    def to_json(self) -> dict:
        return {"code": self.code, "name": self.name, "backend": self.backend,
                "family": self.family,
                "authorities": [{"code": a, "label": AUTHORITIES[a]} for a in self.authorities],
                "needs_receipt_list": self.needs_receipt_list,
                "checkpoints": list(self.checkpoints)}


PROFILES: dict[str, Profile] = {
    p.code: Profile(code=p.code, name=p.name, backend=p.backend, family=family_of(p.code),
                    authorities=_REVIEWERS[p.code],
                    needs_receipt_list=p.code not in NO_RECEIPT_LIST,
                    checkpoints=_CHECKPOINTS[family_of(p.code)])
    for p in PROCEDURES
}


FEES_FILE = Path(__file__).with_name("fees.json")


class FeeTable:
    """Dated fee amounts per procedure (``fees.json``)."""

    def __init__(self, path: Path = FEES_FILE):
        data = json.loads(path.read_text(encoding="utf-8"))
        self.types: dict[str, dict] = data["fee_types"]
        self.tables = sorted(data["tables"], key=lambda t: t["valid_from"])

    def lines(self, procedure: str, on: date) -> list[dict]:
        """Fee lines of ``procedure`` for an application arriving on ``on``."""
        table = None
        for candidate in self.tables:
            if date.fromisoformat(candidate["valid_from"]) <= on:
                table = candidate
        if table is None:
            return []
        amounts = table["amounts"].get(procedure, {})
        return [{"code": code, "label": self.types[code]["label"], "amount": amount,
                 "money": self.types[code]["money"]} for code, amount in amounts.items()]
