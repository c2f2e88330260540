"""Application XML built from a spec and payload, validated against the generated XSD."""

import pytest
from lxml import etree

from forms.spec import FieldSpec
from forms.spec import ProcedureSpec
from forms.spec import SectionSpec
from oss import xml as oxml
from oss import xsd
from oss.xsd import APP_NS
from tests.oss import specs
from tests.oss.conftest import header

T = oxml.tag


def build(payload=None, spec=specs.ITEN, **kw):
    return oxml.build_application(spec, specs.iten_payload() if payload is None else payload,
                                  header("k" * 32, **kw))


def test_sections_become_elements_and_fields_children_in_spec_order():
    root = build()
    assert root.tag == T("Application") and root.get("formatVersion") == "1"
    assert root.get("Id") == "app-" + "k" * 32
    body = root.find(T("Body")).find(T("iten"))
    assert [c.tag for c in body] == [T("vehicle"), T("所有者"), T("cause"), T("options")]
    assert [c.tag for c in body.find(T("vehicle"))] == [T("registration_number"), T("chassis_number")]
    assert body.findtext(f"{T('所有者')}/{T('氏名')}") == "山田　花子"
    # empty optional values are left out; booleans and repeated files are written out
    assert body.find(f"{T('所有者')}/{T('住所コード')}") is None
    assert body.findtext(f"{T('options')}/{T('hybrid')}") == "false"
    assert [e.text for e in body.iter(T("attachments"))] == ["doc-1", "doc-2"]
    assert body.find(f"{T('options')}/{T('note')}") is None


def test_header_carries_procedure_agent_requester_key_and_times():
    root = build(requester=True)
    head = root.find(T("Header"))
    values = {etree.QName(e).localname: e.text for e in head if len(e) == 0}
    assert values["ProcedureCode"] == "iten" and values["ProcedureName"] == "移転登録"
    assert values["Backend"] == "mlit" and values["IdempotencyKey"] == "k" * 32
    assert values["CreatedAt"] == "2026-11-25T01:02:03+00:00" and values["FilingDate"] == "2026-11-25"
    assert head.findtext(f"{T('Agent')}/{T('BulkUserId')}") == "BULK0001"
    assert head.findtext(f"{T('Agent')}/{T('Kind')}") == "gyoseishoshi"
    assert head.findtext(f"{T('Requester')}/{T('Name')}") == "さくらモータース"
    assert build().find(f"{T('Header')}/{T('Requester')}") is None


def test_optional_section_without_values_is_left_out():
    payload = specs.iten_payload()
    payload["options"] = {"hybrid": None, "attachments": [], "note": ""}
    body = build(payload).find(T("Body")).find(T("iten"))
    assert body.find(T("options")) is None


def _problems(payload, **kw):
    with pytest.raises(oxml.InvalidDocument) as info:
        build(payload, **kw)
    return {(p.section, p.field): p for p in info.value.problems}


def test_invalid_values_are_reported_per_field_in_japanese():
    payload = specs.iten_payload()
    payload["vehicle"]["chassis_number"] = "X" * 31
    payload["cause"] = {"reason": "gift", "date": "2026-02-30"}
    payload["options"]["hybrid"] = "yes"
    problems = _problems(payload)
    assert problems["vehicle", "chassis_number"].message == "30文字以内で入力してください。"
    assert problems["vehicle", "chassis_number"].label == "車台番号"
    assert problems["cause", "reason"].message == "選択肢にない値です。"
    assert problems["cause", "date"].message.startswith("日付")
    assert problems["options", "hybrid"].message.startswith("「はい」")


def test_missing_required_field_and_section():
    payload = specs.iten_payload()
    del payload["所有者"]["氏名"]
    del payload["cause"]
    problems = _problems(payload)
    assert problems["所有者", "氏名"].message == "入力してください。"
    assert problems["所有者", "氏名"].label == "氏名又は名称"
    assert problems["cause", "reason"].label == "登録原因"


def test_header_values_are_validated_too():
    problems = _problems(None, bulk="ab")
    assert problems["header", "BulkUserId"].label == "一括利用者ID"


def test_payload_outside_the_spec_is_refused():
    with pytest.raises(oxml.BuildError):
        build({**specs.iten_payload(), "extra": {}})
    payload = specs.iten_payload()
    payload["vehicle"]["colour"] = "赤"
    with pytest.raises(oxml.BuildError):
        build(payload)
    payload = specs.iten_payload()
    payload["vehicle"]["chassis_number"] = ["A", "B"]
    with pytest.raises(oxml.BuildError, match="takes one value"):
        build(payload)
    payload = specs.iten_payload()
    payload["所有者"]["氏名"] = "山田\x00花子"
    with pytest.raises(oxml.BuildError, match="氏名又は名称"):
        build(payload)


def test_schema_generation_refuses_unusable_names_and_types():
    bad_key = ProcedureSpec("iten", "移転登録", "mlit", (
        SectionSpec("1st", "x", (FieldSpec("a", "a"),)),), (), True)
    with pytest.raises(xsd.SchemaError):
        xsd.schema_document([bad_key])
    bad_type = ProcedureSpec("iten", "移転登録", "mlit", (
        SectionSpec("s", "x", (FieldSpec("a", "a", type="number"),)),), (), True)
    with pytest.raises(xsd.SchemaError, match="unknown field type"):
        xsd.schema_document([bad_type])
    with pytest.raises(xsd.SchemaError):
        xsd.schema_document([])


def test_published_family_schemas_validate_their_procedures(schema_dir):
    assert sorted(p.name for p in schema_dir.iterdir()) == [
        "envelope.xsd", "inspection.xsd", "kei.xsd", "registration.xsd"]
    schemas = xsd.SchemaSet(schema_dir)
    root = build()
    assert xsd.schema_errors(schemas.for_family("registration"), root) == []
    assert xsd.schema_errors(schemas.for_family("inspection"), root)  # not that family's body
    assert schemas.for_family("deregistration") is None
    text = (schema_dir / "registration.xsd").read_text(encoding="utf-8")
    assert 'schemaLocation="envelope.xsd"' in text and 'name="所有者"' in text


def test_specs_schema_is_cached_per_spec_object():
    assert xsd.schema_for_spec(specs.ITEN) is xsd.schema_for_spec(specs.ITEN)


def test_document_uses_our_namespace_as_default():
    data = etree.tostring(build(), encoding="UTF-8")
    assert data.startswith(f'<Application xmlns="{APP_NS}"'.encode())


def test_publishing_command_writes_the_family_files(tmp_path, capsys):
    xsd.main(["--specs", "tests.oss.specs:ALL", "--out", str(tmp_path)])
    assert {p.name for p in tmp_path.iterdir()} == {
        "envelope.xsd", "registration.xsd", "inspection.xsd", "kei.xsd"}
    assert "kei.xsd" in capsys.readouterr().out
