"""The statutory fee table (``STATUTORY_FEES`` configuration, ``statutory_fees.json``).

Which fee lines a procedure carries on a given day, with the payment channels
each line allows: ダイレクト納付 pays national money (国庫金) only, so every
other line goes by まとめ納付 (``oss.status.DIRECT_PAYABLE`` is that rule).
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from forms.catalogue import BY_CODE
from oss.status import DIRECT_PAYABLE
from oss.status import MONEY_LABELS
from portal.config import ConfigError
from portal.datafiles import load_table

DEFAULT_FILE = Path(__file__).with_name("statutory_fees.json")
DIRECT = "ダイレクト納付"
MATOME = "まとめ納付"


@dataclass(frozen=True)
class FeeLine:
    code: str
    label: str
    money: str  # national | local | general
    amount: int | None  # None: set per vehicle or prefecture, notified by OSS
    per_vehicle: bool
    basis: str

    @property
    def money_label(self) -> str:
        return MONEY_LABELS[self.money]

    @property
    def channels(self) -> tuple[str, ...]:
        """Payment channels this line allows."""
        return (DIRECT, MATOME) if self.money in DIRECT_PAYABLE else (MATOME,)


@dataclass(frozen=True)
class _Entry:
    backend: str
    procedures: frozenset[str]
    fee: str
    amount: int | None
    per_vehicle: bool
    valid_from: date
    valid_until: date | None
    basis: str

    def applies(self, backend: str, procedure: str, on: date) -> bool:
        return (backend == self.backend and procedure in self.procedures
                and self.valid_from <= on
                and (self.valid_until is None or on <= self.valid_until))


@dataclass(frozen=True)
class FeeTable:
    types: dict[str, dict]
    entries: tuple[_Entry, ...]

    def lines(self, backend: str, procedure: str, on: date) -> list[FeeLine]:
        """The fee lines of ``procedure`` filed on ``on``, in fee-type order of the file."""
        chosen: dict[str, _Entry] = {}
        for entry in self.entries:
            if entry.applies(backend, procedure, on):
                current = chosen.get(entry.fee)
                if current is None or entry.valid_from > current.valid_from:
                    chosen[entry.fee] = entry
        return [FeeLine(code=code, label=self.types[code]["label"],
                        money=self.types[code]["money"], amount=chosen[code].amount,
                        per_vehicle=chosen[code].per_vehicle, basis=chosen[code].basis)
                for code in self.types if code in chosen]


def _entry(raw: dict, types: dict) -> _Entry:
    if raw["fee"] not in types:
        raise ConfigError(f"STATUTORY_FEES: unknown fee type {raw['fee']!r}")
    unknown = [p for p in raw["procedures"] if p not in BY_CODE
               or BY_CODE[p].backend != raw["backend"]]
    if unknown:
        raise ConfigError(f"STATUTORY_FEES: {unknown} are not {raw['backend']} procedures")
    amount = raw.get("amount")
    return _Entry(backend=raw["backend"], procedures=frozenset(raw["procedures"]),
                  fee=raw["fee"], amount=None if amount is None else int(amount),
                  per_vehicle=bool(raw.get("per_vehicle", False)),
                  valid_from=date.fromisoformat(raw["valid_from"]),
                  valid_until=(date.fromisoformat(raw["valid_until"])
                               if raw.get("valid_until") else None),
                  basis=raw.get("basis", ""))


def _parse(data: dict) -> FeeTable:
    types = data["fee_types"]
    for code, spec in types.items():
        if spec["money"] not in MONEY_LABELS:
            raise ConfigError(f"STATUTORY_FEES: fee type {code} has unknown money {spec['money']!r}")
    return FeeTable(types=types, entries=tuple(_entry(raw, types) for raw in data["lines"]))


def fee_table() -> FeeTable:
    return load_table("STATUTORY_FEES", DEFAULT_FILE, _parse)
