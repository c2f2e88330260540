"""The validator base class and a conversion the code validators share."""

import jaconv
from wtforms.validators import ValidationError


def to_half_width(text: str) -> str:
    """Full-width ASCII letters, digits and hyphens as half width (for codes)."""
    return jaconv.z2h(text.replace("−", "-").replace("ー", "-"), kana=False, ascii=True,
                      digit=True)


class Validator:
    """Base class: subclasses implement ``check``."""

    runs_on_empty = False  # True for validators that may require an empty field

    def __init__(self, message: str | None = None):
        self.message = message

    def fail(self, text: str) -> str:
        return self.message or text

    def check(self, value: str, section: dict, subject) -> str | None:  # pragma: no cover
        raise NotImplementedError

    def __call__(self, form, field):
        section = form.section_values(field) if hasattr(form, "section_values") else {}
        value = field.data if isinstance(field.data, str) else ("" if field.data is None else
                                                                  str(field.data))
        if not value.strip() and not self.runs_on_empty:
            return
        message = self.check(value.strip(), section, getattr(form, "subject", None))
        if message:
            raise ValidationError(message)
