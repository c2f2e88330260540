"""申請データ検索: the filter form and the criteria it yields.

The form is read from the query string (GET, no CSRF). A malformed value the
user typed (a date) is shown back with a Japanese message next to the field
and the other filters still apply; a value nobody could type (a tampered
select option, sort key or page) is ignored.
"""

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

import jaconv
import sqlalchemy as sa
from wtforms import Form
from wtforms import SelectField
from wtforms import StringField

from forms import specs
from oss import status as oss_status
from portal.choices import choices
from portal.extensions import db
from portal.models import AgentRequesterLink
from portal.models import ApplicationState
from portal.models import Backend
from portal.models import Organization
from portal.models import User

PER_PAGE_CHOICES = (20, 50, 100, 200)
DEFAULT_PER_PAGE = 50
NO_OSS_STATUS = "none"
IN_FLIGHT = "in_flight"

DATE_FIELDS = {
    "created_at": "作成日",
    "submitted_at": "送信日",
    "accepted_at": "受付日",
    "completed_at": "完了日",
    "updated_at": "更新日",
}

SORT_LABELS = {
    "id": "No.", "procedure": "手続", "state": "状態", "oss_status": "OSS状況",
    "registration_no": "登録番号", "chassis_no": "車台番号", "owner_name": "所有者",
    "receipt_number": "受付番号", "submitted_at": "送信日時", "accepted_at": "受付日時",
    "completed_at": "完了日時", "updated_at": "更新日時",
}
DEFAULT_SORT = ("updated_at", "desc")

TAB_LABELS = {"all": "すべて", "own": "自社の申請データ", "incoming": "依頼データ(受信)",
              "requests": "依頼データ"}
OSS_STATUSES = (oss_status.ARRIVED, oss_status.RECEPTION, oss_status.REVIEW, oss_status.PAYMENT,
                oss_status.CORRECTION, oss_status.SUSPENDED, oss_status.COMPLETED,
                oss_status.REJECTED, oss_status.WITHDRAWN)
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")
DATE_MESSAGE = "日付は「2026-01-31」の形で入力してください。"


def procedure_options() -> list[tuple[str, str]]:
    return [(s.code, s.label) for s in specs.ALL]


def tabs_for(user) -> list[str]:
    return ["all", "own", "incoming"] if user.organization.kind.is_agent else ["requests"]


class SearchForm(Form):
    tab = SelectField("区分", validate_choice=False)
    procedure = SelectField("手続", validate_choice=False)
    backend = SelectField("種別", validate_choice=False)
    state = SelectField("状態", validate_choice=False)
    oss_status = SelectField("OSS状況", validate_choice=False)
    date_field = SelectField("日付の種類", validate_choice=False,
                             choices=choices(DATE_FIELDS.items()))
    date_from = StringField("から", render_kw={"type": "date"})
    date_to = StringField("まで", render_kw={"type": "date"})
    staff = SelectField("担当者(作成者)", validate_choice=False)
    requester = SelectField("依頼人", validate_choice=False)
    registration_no = StringField("登録番号", render_kw={"maxlength": 40})
    chassis_no = StringField("車台番号", render_kw={"maxlength": 30})
    sort = SelectField("並べ替え", validate_choice=False, choices=choices(SORT_LABELS.items()))
    dir = SelectField("順序", validate_choice=False,
                      choices=choices([("desc", "降順"), ("asc", "昇順")]))
    per_page = SelectField("表示件数", validate_choice=False,
                           choices=choices((str(n), f"{n}件") for n in PER_PAGE_CHOICES))

    def fill_choices(self, user) -> None:
        """Options that depend on who is searching (their staff, their requesters)."""
        options = {
            "tab": [(t, TAB_LABELS[t]) for t in tabs_for(user)],
            "procedure": [("", "すべて")] + procedure_options(),
            "backend": [("", "すべて")] + [(b.value, b.label) for b in Backend],
            "state": [("", "すべて"), (IN_FLIGHT, "送信後・未完了")] + [
                (s.value, s.label) for s in ApplicationState],
            "oss_status": [("", "すべて"), (NO_OSS_STATUS, "(OSS状況なし)")] + [
                (s, s) for s in OSS_STATUSES],
            "staff": [("", "すべて")] + [(str(i), n) for i, n in staff_options(user)],
            "requester": [("", "すべて")] + [(str(i), n) for i, n in requester_options(user)],
        }
        self.allowed = {name: {v for v, _ in pairs if v} for name, pairs in options.items()}
        for name, pairs in options.items():
            getattr(self, name).choices = choices(pairs)


def staff_options(user) -> list[tuple[int, str]]:
    """Users of the searcher's organisation (the 担当者 who created applications)."""
    return db.session.execute(
        sa.select(User.id, User.display_name).where(User.org_id == user.org_id)
        .order_by(User.display_name, User.id)).all()


def requester_options(user) -> list[tuple[int, str]]:
    """The requesters linked to an agent (a requester has no requester filter)."""
    if not user.organization.kind.is_agent:
        return []
    return db.session.execute(
        sa.select(Organization.id, Organization.name)
        .join(AgentRequesterLink, AgentRequesterLink.requester_org_id == Organization.id)
        .where(AgentRequesterLink.agent_org_id == user.org_id)
        .order_by(Organization.name, Organization.id)).all()


@dataclass(frozen=True)
class Criteria:
    """What to search for; every field is already checked and normalised."""

    tab: str
    procedure: str = ""
    backend: str = ""
    state: str = ""
    oss_status: str = ""
    date_field: str = "created_at"
    utc_from: datetime | None = None
    utc_before: datetime | None = None
    staff_id: int | None = None
    requester_id: int | None = None
    registration_no: str = ""
    chassis_no: str = ""
    import_batch_id: int | None = None  # an import's result page links to its applications
    sort: str = DEFAULT_SORT[0]
    descending: bool = True
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


def _choice(form: SearchForm, name: str) -> str:
    value = getattr(form, name).data or ""
    return value if value in form.allowed[name] else ""


def _int_choice(form: SearchForm, name: str) -> int | None:
    value = _choice(form, name)
    return int(value) if value else None


def parse_date(text: str) -> date | None:
    """A date typed as 2026-01-31 or 2026/01/31 (full-width digits accepted)."""
    text = jaconv.z2h(text or "", kana=False, ascii=True, digit=True).strip()
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(DATE_MESSAGE)


def lenient_date(args, key: str) -> date | None:
    """The date in ``args[key]``, or None when it is empty or not a date (a list page keeps
    working; the field just does not narrow it)."""
    try:
        return parse_date(args.get(key, ""))
    except ValueError:
        return None


def jst_day_start_utc(day: date) -> datetime:
    """The naive-UTC instant at which ``day`` begins in Japan (UTC+9, no DST)."""
    return datetime(day.year, day.month, day.day) - timedelta(hours=9)


def normalise_number(text: str) -> str:
    """Search text for 登録番号/車台番号: half-width, upper case, without spaces."""
    text = jaconv.z2h(text or "", kana=False, ascii=True, digit=True)
    return "".join(text.split()).upper()[:40]


def date_range(first, last) -> tuple[datetime | None, datetime | None]:
    """The naive-UTC [start, end) of the Japan days typed in two fields.

    A value that is not a date, or an end before the start, gets a message on
    its field and is not applied; the typed text stays in the field.
    """
    days = []
    for field in (first, last):
        try:
            days.append(parse_date(field.data))
        except ValueError as exc:
            field.errors = [str(exc)]
            days.append(None)
    start_day, end_day = days
    if start_day and end_day and start_day > end_day:
        last.errors = ["終了日は開始日と同じか、それより後の日付にしてください。"]
        end_day = None
    start = jst_day_start_utc(start_day) if start_day else None
    end = jst_day_start_utc(end_day + timedelta(days=1)) if end_day else None
    return start, end


def _positive(number: int | None) -> int | None:
    return number if number and number > 0 else None


def criteria_from(form: SearchForm, args) -> Criteria:
    """Check the bound form; put messages on the fields whose values cannot be used."""
    utc_from, utc_before = date_range(form.date_from, form.date_to)
    tabs = [c.value for c in form.tab.choices]
    sort = form.sort.data if form.sort.data in SORT_LABELS else DEFAULT_SORT[0]
    per_page = form.per_page.data if form.per_page.data in {str(n) for n in PER_PAGE_CHOICES} \
        else str(DEFAULT_PER_PAGE)
    return Criteria(
        tab=form.tab.data if form.tab.data in tabs else tabs[0],
        procedure=_choice(form, "procedure"), backend=_choice(form, "backend"),
        state=_choice(form, "state"), oss_status=_choice(form, "oss_status"),
        date_field=form.date_field.data if form.date_field.data in DATE_FIELDS else "created_at",
        utc_from=utc_from, utc_before=utc_before,
        staff_id=_int_choice(form, "staff"), requester_id=_int_choice(form, "requester"),
        registration_no=normalise_number(form.registration_no.data),
        chassis_no=normalise_number(form.chassis_no.data),
        import_batch_id=_positive(args.get("import_batch", type=int)),
        sort=sort, descending=form.dir.data != "asc",
        page=max(1, min(args.get("page", 1, type=int) or 1, 100_000)),
        per_page=int(per_page))


def bind(user, args) -> tuple[SearchForm, Criteria]:
    """The search form bound to ``args`` and the criteria it gives."""
    form = SearchForm(args)
    form.fill_choices(user)
    if not form.sort.data:
        form.sort.data, form.dir.data = DEFAULT_SORT
    if not form.per_page.data:
        form.per_page.data = str(DEFAULT_PER_PAGE)
    return form, criteria_from(form, args)
