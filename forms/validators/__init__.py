"""Reusable field validators: callable classes in the WTForms style.

Each validator has one job and two entry points:

- ``check(value, section, subject)`` returns a Japanese message or ``None``.
  ``section`` is the mapping of the field's section (for rules between fields
  of one section, such as 住所1 and 丁目); ``subject`` is the
  ``forms.checks.Subject`` being checked (the attached 電子委任状 …) or None.
  ``forms.checks`` calls this for forms, live checks and bulk import alike.
- ``__call__(form, field)`` makes the same object a WTForms validator.

Messages say what is wrong with the value and what to enter instead.
``message=`` overrides the message, as in WTForms.
"""

from forms.validators.address import ADDRESS_EXCEPTIONS
from forms.validators.address import AddressCode
from forms.validators.address import Banchi
from forms.validators.address import Chome
from forms.validators.address import PREFECTURES
from forms.validators.address import Prefecture
from forms.validators.base import Validator
from forms.validators.base import to_half_width
from forms.validators.text import Digits
from forms.validators.text import FullWidthKatakana
from forms.validators.text import HIRAGANA
from forms.validators.text import IsoDate
from forms.validators.text import JisX0208
from forms.validators.text import KATAKANA
from forms.validators.text import NonNegativeInteger
from forms.validators.vehicle import CLASS_LETTERS
from forms.validators.vehicle import ChassisNumber
from forms.validators.vehicle import ClassNumber
from forms.validators.vehicle import PLATE_KANA
from forms.validators.vehicle import PlateKana
from forms.validators.vehicle import RegistrationOffice
from forms.validators.vehicle import SerialNumber

__all__ = [
    "ADDRESS_EXCEPTIONS",
    "AddressCode",
    "Banchi",
    "CLASS_LETTERS",
    "ChassisNumber",
    "Chome",
    "ClassNumber",
    "Digits",
    "FullWidthKatakana",
    "HIRAGANA",
    "IsoDate",
    "JisX0208",
    "KATAKANA",
    "NonNegativeInteger",
    "PLATE_KANA",
    "PREFECTURES",
    "PlateKana",
    "Prefecture",
    "RegistrationOffice",
    "SerialNumber",
    "Validator",
    "to_half_width",
]
