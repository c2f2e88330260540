"""The base of every form: Flask-WTF's CSRF, with WTForms' own messages in Japanese.

Fields carry their own Japanese messages wherever the wording matters; the
catalogue that ships with WTForms answers the rest (a number that does not
parse, a choice that is not offered) instead of English. ``WTF_I18N_ENABLED``
is off in the configuration: Flask-WTF would otherwise look for Flask-Babel.
"""

from flask_wtf import FlaskForm


class Form(FlaskForm):
    class Meta:
        locales = ("ja",)
