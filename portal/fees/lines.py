"""Fee lines for an application page, before the application is sent."""

from dataclasses import dataclass
from datetime import date

from portal import clock
from portal.fees.table import FeeLine
from portal.fees.table import fee_table
from portal.models.application import UNSENT_STATES
from portal.templating import JST


@dataclass(frozen=True)
class FeeEstimate:
    on: date
    lines: list[FeeLine]

    @property
    def known_total(self) -> int:
        return sum(line.amount for line in self.lines if line.amount is not None)

    @property
    def has_unknown(self) -> bool:
        return any(line.amount is None for line in self.lines)


def estimate_for(application) -> FeeEstimate | None:
    """The configured fee lines for ``application`` if sent today (None once it was sent)."""
    if application.state not in UNSENT_STATES:
        return None
    today = clock.now().astimezone(JST).date()
    backend = getattr(application.backend, "value", application.backend)
    return FeeEstimate(on=today, lines=fee_table().lines(backend, application.procedure, today))
