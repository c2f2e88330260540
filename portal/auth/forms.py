from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import Length

from forms.base import Form
from forms.base import half_width

REQUIRED = "入力してください。"


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
