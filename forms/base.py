"""The base of every form: Flask-WTF's CSRF, with WTForms' own messages in Japanese.

Fields carry their own Japanese messages wherever the wording matters; the
catalogue that ships with WTForms answers the rest (a number that does not
parse, a choice that is not offered) instead of English. ``WTF_I18N_ENABLED``
is off in the configuration: Flask-WTF would otherwise look for Flask-Babel.
"""

import unicodedata

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Email
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp


class Form(FlaskForm):
    class Meta:
        locales = ("ja",)


def half_width(value):
    """What an IME adds to typed text (an address, a login ID): full-width letters and digits,
    spaces around it."""
    return unicodedata.normalize("NFKC", value).strip() if value else value


def count_filter(value):
    """A count as typed in Japan: full-width digits and thousands separators allowed."""
    value = half_width(value)
    return value.replace(",", "") if value else value


def email_field(label: str = "メールアドレス") -> StringField:
    """An optional e-mail address, stored in half width; the local part in ASCII."""
    return StringField(label, [Optional(), Length(max=120), Email(
        "メールアドレスの形式が正しくありません(例: info@example.jp)。", allow_smtputf8=False)],
        filters=[half_width])


def phone_field(label: str = "電話番号") -> StringField:
    """An optional telephone number: digits and hyphens, 10 to 13 characters."""
    return StringField(label, [Optional(), Regexp(
        r"^[0-9-]{10,13}$", message="電話番号は数字とハイフンで入力してください。")])
