"""WTForms classes generated from procedure specs.

One flat form per procedure: the payload field ``owner.name`` is the form
field ``owner__name``. The form does not judge values itself: ``validate()``
runs ``forms.checks`` (the same engine as live checks and bulk import) and
puts each message beside its field; rule refusals without a field go to
``form.rule_errors``. Values are kept as typed, so a refused input is shown
back unchanged.
"""

from functools import lru_cache

from wtforms import BooleanField
from wtforms import FileField
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.widgets import DateInput

from forms import checks
from forms import jis
from forms.base import Form
from forms.spec import FieldSpec
from forms.spec import ProcedureSpec
from forms.spec import field_name
from forms.spec import split_name
from forms.validators import JisX0208


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _jis_normalise(value):
    return jis.normalise(value) if isinstance(value, str) else value


def make_field(fs: FieldSpec):
    """The unbound WTForms field for one ``FieldSpec``."""
    kw = {"label": fs.label, "description": fs.help}
    required = {"required": True} if fs.required else {}
    render_kw = dict(required)
    if fs.max_length:
        render_kw["maxlength"] = fs.max_length
    if fs.type == "bool":
        return BooleanField(**kw)
    if fs.type == "file":
        return FileField(render_kw={"accept": ".xml,application/xml,text/xml"}, **kw)
    if fs.type == "select":
        choices = [SelectChoice(value, label)
                   for value, label in (("", "選択してください"), *fs.choices)]
        return SelectField(choices=choices, validate_choice=False, render_kw=render_kw or None,
                           **kw)
    filters = [_strip]
    if any(isinstance(v, JisX0208) for v in fs.validators):
        filters.append(_jis_normalise)
    if fs.type == "date":
        return StringField(widget=DateInput(), filters=filters, render_kw=render_kw or None,
                           **kw)
    cls = TextAreaField if fs.type == "textarea" else StringField
    return cls(filters=filters, render_kw=render_kw or None, **kw)


class ProcedureForm(Form):
    """Base of the generated forms; ``spec`` is set on each generated class."""

    spec: ProcedureSpec

    def __init__(self, *args, attachments: dict | None = None, context: dict | None = None,
                 **kwargs):
        """:param attachments: stored file values ``{section: {key: text}}``.
        :param context: keyword arguments for ``forms.checks.Subject``."""
        super().__init__(*args, **kwargs)
        self.attachments = attachments or {}
        self.context = context or {}
        self.rule_errors: list[str] = []

    # --- payload <-> fields -------------------------------------------------
    @classmethod
    def from_payload(cls, payload: dict, **kwargs) -> "ProcedureForm":
        """A form showing ``payload`` (no request data)."""
        data = {}
        for sec, fs in cls.spec.iter_fields():
            value = (payload.get(sec.key) or {}).get(fs.key)
            if fs.type == "file" or value is None:
                continue
            is_bool = fs.type == "bool"
            data[field_name(sec.key, fs.key)] = checks.as_bool(value) if is_bool else value
        return cls(formdata=None, data=data, **kwargs)

    def payload(self) -> dict:
        """The entered values as ``{section: {field: value}}`` (files left out)."""
        out: dict = {}
        for sec, fs in self.spec.iter_fields():
            if fs.type == "file":
                continue
            value = self[field_name(sec.key, fs.key)].data
            if fs.type == "bool":
                value = bool(value)
            elif value is None:
                value = ""
            out.setdefault(sec.key, {})[fs.key] = value
        return out

    def full_payload(self) -> dict:
        """``payload()`` with the stored attachments added."""
        out = self.payload()
        for section, values in self.attachments.items():
            out.setdefault(section, {}).update(values)
        return out

    @property
    def subject(self) -> checks.Subject:
        return checks.Subject(self.spec, self.full_payload(), **self.context)

    def section_values(self, field) -> dict:
        """The values of ``field``'s section (for validators used the WTForms way)."""
        section, _ = split_name(field.name)
        return self.payload().get(section, {})

    def sections(self):
        """(SectionSpec, [bound fields]) in spec order, for templates."""
        for sec in self.spec.sections:
            yield sec, [self[field_name(sec.key, fs.key)] for fs in sec.fields]

    # --- checking -------------------------------------------------------------
    def apply(self, issues: list[checks.Issue]) -> None:
        """Show ``issues`` beside their fields (or as rule errors)."""
        for issue in issues:
            if issue.section and issue.field:
                field = self._fields.get(field_name(issue.section, issue.field))
                if field is not None:
                    field.errors = [*field.errors, issue.message]
                    continue
            self.rule_errors.append(issue.message)

    def validate(self, extra_validators=None) -> bool:
        """CSRF and field processing, then every field check and filing rule."""
        super().validate(extra_validators)
        self.apply(checks.check(self.subject))
        return not self.errors and not self.rule_errors


@lru_cache(maxsize=None)
def form_class(spec: ProcedureSpec) -> type[ProcedureForm]:
    """The generated form class of ``spec`` (one per procedure, cached)."""
    attrs = {"spec": spec}
    for sec, fs in spec.iter_fields():
        attrs[field_name(sec.key, fs.key)] = make_field(fs)
    return type(f"{spec.code.title().replace('_', '')}Form", (ProcedureForm,), attrs)
