"""Forms for association staff: categories, FAQ entries, notices.

Dates are entered in Japan time and handed to services as naive UTC.
"""

from datetime import UTC
from datetime import datetime

from wtforms import DateTimeLocalField
from wtforms import IntegerField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import StopValidation

from faq.models import NoticeKind
from forms.base import Form
from portal.models.base import utcnow
from portal.templating import JST

REQUIRED = "入力してください。"
ORDER_RANGE = "表示順は0〜100000の数値で入力してください。"
MARKDOWN_HELP = ("段落は空行で区切ります。「- 」で始まる行は箇条書き、「**強調**」は太字、"
                 "「[文字](https://…)」はリンクになります。"
                 "HTML タグはそのまま文字として表示されます。")


class JstDateTimeField(DateTimeLocalField):
    """A ``datetime-local`` input read as Japan time; ``data`` is naive UTC."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%dT%H:%M", **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            local = datetime.strptime(valuelist[0].strip(), self.format[0])
        except ValueError:
            self.data = None
            raise ValueError("日時は「2026-01-31T09:00」の形式で入力してください。") from None
        self.data = local.replace(tzinfo=JST).astimezone(UTC).replace(tzinfo=None)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if self.data is None:
            return ""
        return self.data.replace(tzinfo=UTC).astimezone(JST).strftime(self.format[0])


class OrderField(IntegerField):
    """表示順: one message for any bad value (WTForms would add its own parse error to the
    range check's), and no range check on a value that did not parse."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(ORDER_RANGE) from exc

    def pre_validate(self, form):
        typed = bool(self.raw_data and str(self.raw_data[0]).strip())
        if self.process_errors and typed:  # blank: Optional() clears the error and stops
            raise StopValidation()


class CategoryForm(Form):
    name = StringField("カテゴリ名", [DataRequired(REQUIRED), Length(max=80)])
    sort_order = OrderField("表示順", [Optional(), NumberRange(0, 100000, ORDER_RANGE)],
                              default=0, description="小さい順に表示します。")


class EntryForm(Form):
    category_id = SelectField("カテゴリ", coerce=int)
    question = StringField("質問", [DataRequired(REQUIRED), Length(max=300)])
    answer = TextAreaField("回答", [DataRequired(REQUIRED), Length(max=10000)],
                           description=MARKDOWN_HELP, render_kw={"rows": 12})
    keywords = StringField("検索キーワード", [Optional(), Length(max=200)],
                           description="本文にない言い換えを空白区切りで入力すると、検索で見つかりやすくなります。")
    sort_order = OrderField("表示順", [Optional(), NumberRange(0, 100000, ORDER_RANGE)],
                              default=0)


class NoticeForm(Form):
    kind = SelectField("種別", choices=[SelectChoice(k.value, k.label) for k in NoticeKind])
    title = StringField("件名", [DataRequired(REQUIRED), Length(max=200)])
    body = TextAreaField("本文", [DataRequired(REQUIRED), Length(max=10000)],
                         description=MARKDOWN_HELP, render_kw={"rows": 10})
    publish_from = JstDateTimeField("掲載開始(日本時間)", [InputRequired(REQUIRED)], default=utcnow)
    publish_until = JstDateTimeField("掲載終了(日本時間)", [Optional()],
                                     description="空欄なら掲載を続けます。")
    outage_start = JstDateTimeField("停止開始(日本時間)", [Optional()],
                                    description="メンテナンスのときだけ入力します。")
    outage_end = JstDateTimeField("停止終了(日本時間)", [Optional()])
