"""ASVS 5.1.3: every text field of every form has a length or pattern limit checked on the
server, whatever the browser's maxlength says: the portal's own forms by their WTForms
validators, the forms generated from the procedure specs by the field checks (a spec field
has a maximum length or a format validator; each is shown to refuse an overlong value)."""

import pytest

import importlib
import inspect
import pkgutil

from wtforms import Form
from wtforms import PasswordField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import AnyOf
from wtforms.validators import Length
from wtforms.validators import Regexp

import faq
import forms
import portal
from forms import checks
from forms import specs
from tests.samples import example_payload

# Read by hand, not validated by WTForms: the search forms bound to query strings.
BOUNDED_ELSEWHERE = {
    "SearchForm.date_from", "SearchForm.date_to",  # parsed as dates (search_form.date_range)
    "StatsForm.date_from", "StatsForm.date_to",  # the same parser
    "SearchForm.registration_no", "SearchForm.chassis_no",  # cut at 40 (normalise_number)
}


def _form_classes() -> set[type]:
    found = set()
    for package in (portal, forms, faq):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" in module.name:
                continue
            for _, cls in inspect.getmembers(importlib.import_module(module.name),
                                             inspect.isclass):
                if issubclass(cls, Form) and cls.__module__.startswith(("portal", "forms",
                                                                        "faq")):
                    found.add(cls)
    return found


def _limits(validator) -> bool:
    """A maximum length, a fixed set of values, or a whole-value pattern."""
    if isinstance(validator, Length):
        return validator.max is not None and validator.max >= 0
    if isinstance(validator, Regexp):
        pattern = validator.regex.pattern
        return pattern.startswith("^") and pattern.endswith("$") and "*" not in pattern \
            and "+" not in pattern
    return isinstance(validator, AnyOf)


def _unlimited(cls: type) -> list[str]:
    missing = []
    for klass in cls.__mro__:
        for name, unbound in vars(klass).items():
            if not (isinstance(unbound, UnboundField) and issubclass(
                    unbound.field_class, (StringField, PasswordField, TextAreaField))):
                continue
            validators = (unbound.args[1] if len(unbound.args) > 1
                          else unbound.kwargs.get("validators") or [])
            if not any(_limits(v) for v in validators):
                missing.append(f"{cls.__name__}.{name}")
    return missing


def test_every_text_field_has_a_limit():
    classes = _form_classes()
    assert len(classes) > 15
    missing = sorted({m for cls in classes for m in _unlimited(cls)} - BOUNDED_ELSEWHERE)
    assert missing == []



TEXT_FIELDS = [(spec, section.key, field) for spec in specs.ALL
               for section, field in spec.iter_fields() if field.type in ("text", "textarea")]


@pytest.mark.parametrize("spec, section, field", TEXT_FIELDS,
                         ids=[f"{s.code}.{sec}.{f.key}" for s, sec, f in TEXT_FIELDS])
def test_every_procedure_text_field_refuses_an_overlong_value(spec, section, field):
    payload = example_payload(spec)
    key = field.key
    if field.unless:  # asked only when its section does not take it from elsewhere
        payload[section][field.unless] = False
    for overlong in ("1" * 5000, "あ" * 5000):
        payload.setdefault(section, {})[key] = overlong
        issues = checks.check_field(checks.Subject(spec, payload), section, key)
        assert issues, f"{spec.code}.{section}.{key} took {len(overlong)} characters"


def test_leading_zeros_are_still_numbers():
    """The length checks that keep int() from long digit strings count significant digits:
    a mileage or 一連指定番号 typed with leading zeros is not refused for its length."""
    from forms.validators.text import NonNegativeInteger
    from forms.validators.vehicle import SerialNumber

    assert NonNegativeInteger().check("00035000", None, None) is None
    assert SerialNumber().check("0012", None, None) is None
    assert NonNegativeInteger().check("9" * 5000, None, None) is not None
