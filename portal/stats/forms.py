"""The 統計検索 filter: a period of 送信日 (Japan days), a procedure, a back-end."""

from wtforms import Form
from wtforms import SelectField
from wtforms import StringField

from forms import specs
from portal.applications.search_form import date_range
from portal.choices import choices
from portal.models import Backend
from portal.stats.services import Period


class StatsForm(Form):
    date_from = StringField("送信日(から)", render_kw={"type": "date"})
    date_to = StringField("送信日(まで)", render_kw={"type": "date"})
    procedure = SelectField("手続", validate_choice=False, choices=choices(
        [("", "すべて")] + [(s.code, s.name + ("(軽)" if s.is_kei else "")) for s in specs.ALL]))
    backend = SelectField("種別", validate_choice=False, choices=choices(
        [("", "すべて")] + [(b.value, b.label) for b in Backend]))


def bind(args) -> tuple[StatsForm, Period]:
    """The form bound to ``args`` and the period it gives (bad dates: message, not applied)."""
    form = StatsForm(args)
    utc_from, utc_before = date_range(form.date_from, form.date_to)
    return form, Period(
        utc_from=utc_from, utc_before=utc_before,
        procedure=form.procedure.data if form.procedure.data in specs.BY_CODE else "",
        backend=form.backend.data if form.backend.data in {b.value for b in Backend} else "")
