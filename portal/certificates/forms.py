from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import DateField
from wtforms import PasswordField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from forms.base import Form
from portal.auth.reauth import login_password_field


class JapaneseDateField(DateField):
    """A date input whose parse error is in Japanese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            self.data = None
            raise ValueError("日付を YYYY-MM-DD の形式で入力してください。") from exc


class UploadForm(Form):
    file = FileField("電子証明書ファイル(.p12 / .pfx)", [FileRequired("証明書ファイルを選んでください。")],
                     description="認証局から受け取ったPKCS#12形式のファイル(64KB以下)。")
    password = PasswordField("証明書のパスワード", [InputRequired("パスワードを入力してください。"),
                                                 Length(max=200)],
                             description="暗号化して保管し、画面に再表示することはありません。")
    start_date = JapaneseDateField("利用開始日", [Optional()], render_kw={"type": "date"},
                                   description="空欄なら今日から使います(有効期間の開始が後ならその日から)。")
    login_password = login_password_field()


class StartDateForm(Form):
    start_date = JapaneseDateField("利用開始日", [DataRequired("日付を入力してください。")],
                                   render_kw={"type": "date"})
