"""When the reviewing agency will next look at an application.

OSS accepts filings around the clock, but the 運輸支局, police, tax offices and
軽自動車検査協会 review only in their office hours (``calendars().agency``:
weekdays 8:45–17:15 Japan time, public holidays and 29 December – 3 January
excluded, as configured). The application page shows the next review window.
"""

from dataclasses import dataclass
from datetime import datetime

from portal.clock import as_utc
from portal.clock import now
from portal.hours.calendar import calendars
from portal.models import ApplicationState
from portal.models.application import UNSENT_STATES

# Nothing left for the agency to review in these states.
_FINISHED = frozenset({ApplicationState.COMPLETED, ApplicationState.DELIVERY,
                       ApplicationState.CLOSED, ApplicationState.REJECTED,
                       ApplicationState.WITHDRAWN})


@dataclass(frozen=True)
class ReviewOutlook:
    starts: datetime  # aware UTC: now, when inside office hours
    in_hours: bool
    until: datetime  # end of that office day (aware UTC)
    sent: bool


def next_review(moment: datetime) -> datetime:
    """The first moment at or after ``moment`` within agency office hours (aware UTC)."""
    return calendars().agency.next_open(moment)


def review_outlook(application, moment: datetime | None = None) -> ReviewOutlook | None:
    """The review outlook shown on an application's page (None once nothing is left to review)."""
    if application.state in _FINISHED:
        return None
    at = as_utc(moment or now())
    starts = next_review(at)
    return ReviewOutlook(starts=starts, in_hours=starts == at,
                         until=calendars().agency.closing_after(starts),
                         sent=application.state not in UNSENT_STATES)
