from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import Regexp

from forms.base import Form
from forms.base import half_width
from portal.orgs.rules import LOGIN_ID_FORMAT
from portal.orgs.rules import LOGIN_ID_RE

REQUIRED = "入力してください。"


def new_login_id_field(label: str = "ログインID", description: str = "") -> StringField:
    """The login ID of a user being created: typed full width is made half width, and its
    form is checked beside the field, before any re-authentication (creating the user
    checks it again, with its uniqueness: ``portal.orgs.services.check_login_id``)."""
    return StringField(label, [DataRequired(REQUIRED), Length(max=40),
                               Regexp(LOGIN_ID_RE, message=LOGIN_ID_FORMAT)],
                       filters=[half_width], description=description)


class LoginForm(Form):
    login_id = StringField("ログインID", [DataRequired(REQUIRED), Length(max=40)],
                           filters=[half_width])
    password = PasswordField("パスワード", [DataRequired(REQUIRED), Length(max=200)])


class PasswordChangeForm(Form):
    current_password = PasswordField("現在のパスワード", [DataRequired(REQUIRED), Length(max=200)])
    new_password = PasswordField(
        "新しいパスワード",
        [DataRequired(REQUIRED), Length(max=200)],
        description="10文字以上で、英字・数字・記号のうち2種類以上を含めてください。",
    )
    confirm = PasswordField(
        "新しいパスワード(確認)",
        [DataRequired(REQUIRED), Length(max=200),
         EqualTo("new_password", "確認用のパスワードが一致しません。")],
    )
