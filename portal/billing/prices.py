"""The usage price table and the debit day (``BILLING`` configuration, ``billing.json``)."""

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from pathlib import Path

from portal.clock import as_utc
from portal.config import ConfigError
from portal.datafiles import load_table
from portal.templating import JST

DEFAULT_FILE = Path(__file__).with_name("billing.json")


@dataclass(frozen=True)
class BillingTerms:
    prices: tuple[tuple[date, int], ...]  # (valid_from, yen incl. tax), oldest first
    debit_day: int

    def unit_price(self, on: date) -> int:
        """The price in force on ``on``: the entry with the latest valid_from on or before it."""
        found = [yen for valid_from, yen in self.prices if valid_from <= on]
        if not found:
            raise ConfigError(f"no usage price is configured for {on.isoformat()}")
        return found[-1]


def _parse(data: dict) -> BillingTerms:
    prices = tuple(sorted((date.fromisoformat(p["valid_from"]), int(p["unit_price"]))
                          for p in data["prices"]))
    day = int(data.get("debit_day", 27))
    if not prices or any(yen < 0 for _, yen in prices) or not 1 <= day <= 28:
        raise ConfigError("BILLING: needs at least one price >= 0 and a debit_day of 1 to 28")
    return BillingTerms(prices=prices, debit_day=day)


def terms() -> BillingTerms:
    return load_table("BILLING", DEFAULT_FILE, _parse)


def unit_price(moment: datetime) -> int:
    """The usage price of an application completed at ``moment`` (Japan-time date)."""
    return terms().unit_price(as_utc(moment).astimezone(JST).date())
