from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp

from forms.base import Form
from forms.base import count_filter
from forms.base import email_field
from forms.base import phone_field
from portal.auth.forms import new_login_id_field
from portal.auth.reauth import login_password_field
from portal.choices import choices
from portal.models import OrgKind

REQUIRED = "入力してください。"


class OnboardForm(Form):
    kind = SelectField("組織の種別", choices=choices(
        [(k.value, k.label) for k in OrgKind if k != OrgKind.ASSOCIATION]))
    name = StringField("名称", [DataRequired(REQUIRED), Length(max=120)])
    registration_number = StringField("行政書士登録番号", [Optional(), Regexp(r"^[0-9]{5,10}$", message="登録番号は半角数字5〜10桁で入力してください。")])
    address = StringField("事務所所在地", [Optional(), Length(max=200)])
    phone = phone_field()
    email = email_field()
    bank_name = StringField("金融機関名", [Optional(), Length(max=60)])
    bank_branch = StringField("支店名", [Optional(), Length(max=60)])
    bank_account_number = StringField("口座番号", [Optional(), Regexp(r"^\d{7}$", message="口座番号は7桁の数字で入力してください。")])
    bank_account_holder = StringField("口座名義", [Optional(), Length(max=120)])
    agent_org_id = SelectField("依頼先の代理人(依頼人の場合)", coerce=int)
    admin_login_id = new_login_id_field("最初の管理者のログインID")
    admin_name = StringField("最初の管理者の氏名", [DataRequired(REQUIRED), Length(max=60)])
    login_password = login_password_field()


class DecisionForm(Form):
    decision = SelectField("判断", choices=choices([("approve", "承認"), ("reject", "却下")]))
    comment = TextAreaField("コメント", [Optional(), Length(max=1000)])


class QuotaForm(Form):
    daily_send_quota = StringField(
        "1日の送信上限(件)",
        [Optional(),
         Regexp(r"^\d{1,9}$", message="送信上限は0以上の件数を数字で入力してください。")],
        filters=[count_filter],
        description="日本時間の0時から数えます。空欄にすると既定の上限になります。"
                    "0にするとこの組織は送信できません。")
