"""Each field validator: accepted values, refused values and the message given."""

import base64
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
from wtforms import Form
from wtforms import StringField
from wtforms.validators import ValidationError

from forms import validators as v
from forms.checks import Subject
from forms import japan_time
from forms.specs import get
from tests.samples import poa_xml


def run(validator, value, section=None, subject=None):
    return validator.check(value, section or {}, subject)


@pytest.mark.parametrize("value", ["東京都千代田区霞が関", "北海道札幌市", "鹿児島県", "京都府京都市"])
def test_prefecture_accepts_addresses_starting_with_one(value):
    assert run(v.Prefecture(), value) is None


@pytest.mark.parametrize("value", ["千代田区霞が関", "東京千代田区", "都千代田区", "札幌市中央区"])
def test_prefecture_refuses_others(value):
    assert "都道府県名から入力してください" in run(v.Prefecture(), value)


def test_prefecture_may_be_left_out_when_the_poa_has_none():
    spec = get("iten")
    without = Subject(spec, {"poa": {"e_poa": base64.b64encode(poa_xml("千代田区霞が関二丁目")).decode()}})
    assert run(v.Prefecture(), "千代田区霞が関二丁目", subject=without) is None
    with_pref = Subject(spec, {"poa": {"e_poa": base64.b64encode(poa_xml()).decode()}})
    assert run(v.Prefecture(), "千代田区霞が関二丁目", subject=with_pref) is not None


def test_chome_required_when_address1_holds_one():
    section = {"address1": "東京都千代田区霞が関二丁目１番３号"}
    message = run(v.Chome(), "", section)
    assert "住所1に丁目が含まれているので、「丁目」欄にも入力してください" in message
    assert run(v.Chome(), "2", section) is None
    assert run(v.Chome(), "", {"address1": "北海道夕張郡栗山町"}) is None


def test_banchi_required_when_address1_holds_a_lot_number():
    for address in ("東京都港区芝公園４番地", "大阪府大阪市北区梅田３−１", "東京都千代田区霞が関二丁目１番３号"):
        assert "「番地・例外コード」欄にも入力してください" in run(v.Banchi(), "", {"address1": address})
    assert run(v.Banchi(), "", {"address1": "北海道夕張郡栗山町"}) is None


@pytest.mark.parametrize("value,ok", [("1-3", True), ("12", True), ("1-2-3-4", True),
                                      ("官有無番地", True), ("１−３", False), ("一番", False),
                                      ("1-", False)])
def test_banchi_format(value, ok):
    assert (run(v.Banchi(), value, {"address1": ""}) is None) is ok


def test_banchi_full_width_is_offered_half_width():
    assert "「1-3」" in run(v.Banchi(), "１−３", {"address1": ""})


@pytest.mark.parametrize("value,ok", [("2", True), ("12", True), ("二", False), ("0", False),
                                      ("２", False)])
def test_chome_format(value, ok):
    assert (run(v.Chome(), value, {"address1": ""}) is None) is ok


@pytest.mark.parametrize("value,ok", [("131010001", True), ("011010001123", False),
                                      ("131010001123", True), ("5310100", False),
                                      ("501010001", True), ("481010001", False),
                                      ("１３１０１０００１", False), ("13101000A", False)])
def test_address_code(value, ok):
    assert (run(v.AddressCode(), value) is None) is ok


def test_address_code_messages():
    assert "9桁(小字のある地域は12桁)" in run(v.AddressCode(), "12345")
    assert "「131010001」" in run(v.AddressCode(), "１３１０１０００１")
    assert "都道府県のコードではありません" in run(v.AddressCode(), "991010001")


@pytest.mark.parametrize("value,ok", [("300", True), ("5", True), ("33C", True), ("3AA", True),
                                      ("3B0", False), ("A30", False), ("3000", False),
                                      ("３００", False)])
def test_class_number(value, ok):
    assert (run(v.ClassNumber(), value) is None) is ok


@pytest.mark.parametrize("value,ok", [("さ", True), ("わ", True), ("を", True), ("お", False),
                                      ("し", False), ("へ", False), ("ん", False), ("サ", False),
                                      ("さか", False), ("a", False)])
def test_plate_kana(value, ok):
    assert (run(v.PlateKana(), value) is None) is ok


def test_plate_kana_katakana_is_offered_hiragana():
    assert "「さ」と入力してください" in run(v.PlateKana(), "サ")


@pytest.mark.parametrize("value,ok", [("1", True), ("1234", True), ("9999", True), ("0", False),
                                      ("10000", False), ("12-34", False), ("・・１２", False)])
def test_serial_number(value, ok):
    assert (run(v.SerialNumber(), value) is None) is ok


def test_serial_number_suggests_plain_digits():
    assert "「1234」" in run(v.SerialNumber(), "12-34")
    assert "「12」" in run(v.SerialNumber(), "・・１２")


@pytest.mark.parametrize("value,ok", [("ZVW30-1234567", True), ("JTDKB20U093456789", True),
                                      ("zvw30-1234567", False), ("ＺＶＷ３０−１２３４５６７", False),
                                      ("ZVW30--1", False), ("ZVW 30", False), ("A" * 21, False)])
def test_chassis_number(value, ok):
    assert (run(v.ChassisNumber(), value) is None) is ok


def test_chassis_number_suggests_capitals():
    assert "「ZVW30-1234567」" in run(v.ChassisNumber(), "zvw30-1234567")


def test_digits():
    five = v.Digits(5, what="型式指定番号")
    assert run(five, "12345") is None
    assert "型式指定番号は半角数字5桁" in run(five, "1234")
    assert "「12345」" in run(five, "１２３４５")
    assert run(v.Digits(3, 4, what="類別区分番号"), "001") is None


def test_iso_date():
    assert run(v.IsoDate(), "2025-04-01") is None
    assert "「2026-04-01」の形" in run(v.IsoDate(), "2025/4/1")
    assert "存在しない日付" in run(v.IsoDate(), "2025-02-30")
    today = japan_time.today_in_japan()
    tomorrow = (today + timedelta(days=1)).isoformat()
    yesterday = (today - timedelta(days=1)).isoformat()
    assert "未来の日付" in run(v.IsoDate(not_future=True), tomorrow)
    assert "過去の日付" in run(v.IsoDate(not_past=True), yesterday)
    assert run(v.IsoDate(not_future=True, not_past=True), today.isoformat()) is None


def test_today_is_japans_date_whatever_the_servers_zone():
    """From 0:00 to 9:00 in Japan the UTC date is still yesterday's."""
    assert japan_time.today_in_japan(datetime(2026, 11, 26, 16, 0, tzinfo=UTC)) == date(2026, 11, 27)
    assert japan_time.today_in_japan(datetime(2026, 11, 26, 14, 59, tzinfo=UTC)) == date(2026, 11, 26)


@pytest.mark.parametrize("value,ok", [("ヤマダ　タロウ", True), ("ヤマダ・タロウ", True),
                                      ("やまだ", False), ("ﾔﾏﾀﾞ", False), ("山田", False)])
def test_katakana(value, ok):
    assert (run(v.FullWidthKatakana(), value) is None) is ok


def test_katakana_offers_conversion():
    assert "「ヤマダ」" in run(v.FullWidthKatakana(), "やまだ")
    assert "「ヤマダ」" in run(v.FullWidthKatakana(), "ﾔﾏﾀﾞ")


def test_katakana_names_the_characters_as_typed():
    assert "使えない文字: 「yamd」" in run(v.FullWidthKatakana(), "yamada")
    assert "使えない文字: 「田」" in run(v.FullWidthKatakana(), "ﾀﾞｲ田")  # ﾀﾞ is one kana


def test_registration_office():
    assert run(v.RegistrationOffice(), "尾張小牧") is None
    assert "全角5文字以内" in run(v.RegistrationOffice(), "品川300")
    assert "半角文字" in run(v.RegistrationOffice(), "ｼﾅｶﾞﾜ")


def test_non_negative_integer():
    assert run(v.NonNegativeInteger(), "35000") is None
    assert "「35000」" in run(v.NonNegativeInteger(), "35,000")
    assert run(v.NonNegativeInteger(), "-1") is not None


def test_message_override():
    assert run(v.ChassisNumber(message="独自の文言"), "x y") == "独自の文言"


def test_validators_work_as_wtforms_validators():
    class F(Form):
        name = StringField(validators=[v.JisX0208()])
        chassis = StringField(validators=[v.ChassisNumber()])

    form = F(data={"name": "髙橋", "chassis": "zvw30-1"})
    assert not form.validate()
    assert "「高」に置き換えてください" in form.name.errors[0]
    assert "「ZVW30-1」" in form.chassis.errors[0]
    with pytest.raises(ValidationError):
        v.Prefecture()(F(data={"name": "千代田区"}), F(data={"name": "千代田区"}).name)
