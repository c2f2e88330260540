"""The 13 specs, the check engine and the WTForms generated from the specs."""

import re

import pytest

from forms import catalogue
from forms import specs
from forms.checks import Subject
from forms.checks import check
from forms.checks import check_field
from forms.generate import form_class
from forms.spec import FIELD_TYPES
from forms.spec import FieldSpec
from forms.spec import ProcedureSpec
from forms.spec import SectionSpec
from tests.samples import example_payload

CODES = [p.code for p in catalogue.PROCEDURES]
SNAKE = re.compile(r"[a-z][a-z0-9_]*")


def test_there_are_thirteen_specs_in_catalogue_order():
    assert [s.code for s in specs.ALL] == CODES
    assert len(specs.ALL) == 13
    assert [s.name for s in specs.ALL if s.backend == "kei"] == ["新車新規検査", "継続検査"]
    assert [s.label for s in specs.ALL if s.code.endswith("keizoku")] == [
        "継続検査", "継続検査(軽)"]


def test_get_and_unknown():
    assert specs.get("iten").name == "移転登録"
    with pytest.raises(specs.UnknownProcedure):
        specs.get("yushutsu_yotei_todoke")


@pytest.mark.parametrize("spec", specs.ALL, ids=CODES)
def test_spec_shape(spec):
    assert spec.authorities and spec.checkpoints and spec.summary
    assert spec.needs_receipt_list is (spec.code not in ("keizoku", "kei_keizoku"))
    if spec.is_kei:
        assert spec.authorities == ("軽自動車検査協会",)
    else:
        assert "運輸支局" in spec.authorities
    sections = [sec.key for sec in spec.sections]
    assert len(sections) == len(set(sections))
    for sec in spec.sections:
        assert SNAKE.fullmatch(sec.key)
        keys = [f.key for f in sec.fields]
        assert len(keys) == len(set(keys)), sec.key
        for f in sec.fields:
            assert SNAKE.fullmatch(f.key), f.key
            assert f.type in FIELD_TYPES and (f.type != "select" or f.choices), f.key
            assert f.unless is None or sec.field(f.unless).type == "bool"


def test_only_new_registration_allows_hybrid_and_compound_are_the_three():
    assert [s.code for s in specs.ALL if s.hybrid_allowed] == ["shinsha_shinki"]
    assert {s.code for s in specs.ALL if s.compound} == {
        "iten_ichiji_massho", "iten_eikyu_massho", "henko_ichiji_massho"}


@pytest.mark.parametrize("spec", specs.ALL, ids=CODES)
def test_every_required_field_is_asked_for_when_empty(spec):
    issues = check(Subject(spec, {}, attachments_pending=True))
    required = {(sec.key, f.key) for sec, f in spec.iter_fields() if f.required}
    assert {(i.section, i.field) for i in issues if i.rule is None} == required
    assert all(i.message.endswith(("入力してください。", "選択してください。")) for i in issues
               if i.rule is None)


def test_same_as_owner_skips_the_user_fields():
    spec = specs.get("shinsha_shinki")
    payload = example_payload(spec)
    payload["user"] = {"same_as_owner": True, "name": "髙橋"}
    assert check_field(Subject(spec, payload), "user", "name") == []
    payload["user"]["same_as_owner"] = False
    assert "「高」に置き換えてください" in check_field(Subject(spec, payload), "user", "name")[0]


def test_select_value_outside_choices_and_max_length():
    spec = specs.get("iten")
    payload = example_payload(spec)
    payload["usage"]["use_type"] = "military"
    payload["owner"]["name"] = "山" * 61
    messages = {(i.section, i.field): i.message for i in check(Subject(spec, payload,
                                                                       attachments_pending=True))}
    assert "自家用・事業用・貸渡" in messages[("usage", "use_type")]
    assert "60文字以内" in messages[("owner", "name")]


def test_check_field_includes_rules_pointing_at_it():
    spec = specs.get("iten")
    payload = example_payload(spec)
    payload["registration"]["cause"] = "inheritance"
    (message,) = check_field(Subject(spec, payload), "registration", "cause")
    assert message.startswith("【移転登録の登録原因】")


# --- generated forms --------------------------------------------------------------------------


@pytest.mark.parametrize("spec", specs.ALL, ids=CODES)
def test_form_generated_for_every_procedure(app, spec):
    with app.test_request_context():
        cls = form_class(spec)
        assert form_class(spec) is cls
        form = cls.from_payload(example_payload(spec),
                                context={"kei_manager_name": "業者", "attachments_pending": True})
        assert form.validate(), (form.errors, form.rule_errors)
        assert form.payload() == example_payload(spec)
        names = {f.name for f in form}
        for sec, fs in spec.iter_fields():
            assert f"{sec.key}__{fs.key}" in names
        assert all(len(fields) == len(sec.fields) for sec, fields in form.sections())


def test_form_shows_field_and_rule_errors(app):
    spec = specs.get("kei_keizoku")
    with app.test_request_context(method="POST", data={
        "vehicle__reg_office": "品川", "vehicle__reg_class": "580", "vehicle__reg_kana": "お",
        "vehicle__reg_serial": "12", "vehicle__chassis_no": "HA36S-123456",
        "inspection__pickup": "office", "evidence__safety_cert": "paper",
        "evidence__jibaiseki": "electronic",
    }):
        form = form_class(spec)(context={"kei_manager_name": ""})
        assert not form.validate()
        assert "「お」「し」「へ」「ん」は使われません" in form.vehicle__reg_kana.errors[0]
        assert form.evidence__safety_cert.errors[0].startswith("【保安基準適合証・自賠責の電子化】")
        assert form.rule_errors[0].startswith("【軽証明書等管理業者名】")
        assert form.vehicle__reg_kana.data == "お"  # what the user typed is kept


def test_form_normalises_windows_wave_dash(app):
    spec = specs.get("henko")
    with app.test_request_context(method="POST", data={"owner__name": " 山田～太郎 "}):
        form = form_class(spec)()
        assert form.payload()["owner"]["name"] == "山田〜太郎"


def test_a_fourteenth_procedure_needs_only_a_spec(app):
    extra = ProcedureSpec(
        code="test_extra", name="試験手続", backend="mlit", authorities=("運輸支局",),
        needs_receipt_list=True,
        sections=(SectionSpec("vehicle", "車両", (FieldSpec("chassis_no", "車台番号",
                                                           required=True),)),),
    )
    with app.test_request_context(method="POST", data={"vehicle__chassis_no": ""}):
        form = form_class(extra)()
        assert not form.validate()
        assert form.vehicle__chassis_no.errors == ["「車両」の「車台番号」を入力してください。"]


def test_checkpoints_are_those_the_simulator_answers():
    """Before OSS has answered, the 中断予約 panel shows the spec's checkpoints: the same."""
    from oss.simulator.procedures import PROFILES

    for spec in specs.ALL:
        assert spec.checkpoints == PROFILES[spec.code].checkpoints, spec.code
