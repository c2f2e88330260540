from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp

from forms.base import Form
from forms.base import email_field
from forms.base import phone_field
from portal.auth.forms import new_login_id_field
from portal.auth.reauth import login_password_field
from portal.choices import choices
from portal.models import Backend
from portal.models import PaymentMode

REQUIRED = "入力してください。"


class UserForm(Form):
    login_id = new_login_id_field(description="半角英数字と . _ - で3〜40文字")
    display_name = StringField("氏名", [DataRequired(REQUIRED), Length(max=60)])
    role = SelectField("権限", choices=choices([("staff", "担当者"), ("admin", "管理者")]))
    branch_id = SelectField("拠点", coerce=int)
    login_password = login_password_field()


class UserEditForm(Form):
    display_name = StringField("氏名", [DataRequired(REQUIRED), Length(max=60)])
    role = SelectField("権限", choices=choices([("staff", "担当者"), ("admin", "管理者")]))
    branch_id = SelectField("拠点", coerce=int)
    login_password = login_password_field(
        required=False,
        description="権限を変えるときは、操作している方のログインパスワードが必要です。")


class ResetPasswordForm(Form):
    login_password = login_password_field()


class OrgNameForm(Form):
    name = StringField("組織名", [DataRequired(REQUIRED), Length(max=120)])


class BranchForm(Form):
    name = StringField("拠点名", [DataRequired(REQUIRED), Length(max=120)])
    address = StringField("所在地", [Optional(), Length(max=200)])
    kei_manager_name = StringField(
        "軽証明書等管理業者名", [Optional(), Length(max=120)],
        description="軽自動車の申請に必要です。軽自動車検査協会に届け出た名称(行政書士登録番号を含む)と完全に一致させてください。",
    )


class ChangeRequestForm(Form):
    kind = SelectField("変更の種類")
    postal_code = StringField("郵便番号", [Optional(), Regexp(r"^\d{3}-?\d{4}$", message="郵便番号は7桁の数字で入力してください。")])
    address = StringField("事務所所在地", [Optional(), Length(max=200)])
    bank_name = StringField("金融機関名", [Optional(), Length(max=60)])
    bank_branch = StringField("支店名", [Optional(), Length(max=60)])
    bank_account_type = SelectField("預金種目", choices=choices([("普通", "普通"), ("当座", "当座")]))
    bank_account_number = StringField("口座番号", [Optional(), Regexp(r"^\d{7}$", message="口座番号は7桁の数字で入力してください。")])
    bank_account_holder = StringField("口座名義", [Optional(), Length(max=120)])
    phone = phone_field()
    email = email_field()
    contact_person = StringField("担当者名", [Optional(), Length(max=60)])
    name = StringField("法人名", [Optional(), Length(max=120)], id="change-name")
    registration_number = StringField("行政書士法人の届出番号", [Optional(), Length(max=20)])
    reason = TextAreaField("申込理由・備考", [Optional(), Length(max=1000)])


class OssAccountForm(Form):
    backend = SelectField("OSSの種類", choices=choices([(b.value, b.label) for b in Backend]))
    bulk_user_id = StringField("一括利用者ID", [DataRequired(REQUIRED), Regexp(r"^[A-Za-z0-9]{4,20}$", message="一括利用者IDは半角英数字4〜20文字です。")])
    payment_mode = SelectField("納付形態", choices=choices([(p.value, p.label) for p in PaymentMode]))
    branch_id = SelectField("拠点", coerce=int)
    secret = PasswordField("パスワード(変更する場合のみ入力)", [Optional(), Length(min=4, max=64, message="4〜64文字で入力してください。")],
                           description="登録車は到達番号パスワード、軽自動車は申請用パスワードです。変更は以後の申請にのみ適用されます。")
    login_password = login_password_field(
        required=False,
        description="パスワードを登録・変更するときは、操作している方のログインパスワードが必要です。")


class RequesterOnboardForm(Form):
    name = StringField("依頼人の名称", [DataRequired(REQUIRED), Length(max=120)])
    address = StringField("所在地", [Optional(), Length(max=200)])
    phone = phone_field()
    admin_login_id = new_login_id_field("管理者ログインID")
    admin_name = StringField("管理者氏名", [DataRequired(REQUIRED), Length(max=60)])
    login_password = login_password_field()
