"""The procedure specs and their payloads build OSS XML that passes the generated XSD."""

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest

from forms import poa
from forms import specs
from oss import xml
from tests.samples import example_payload
from tests.samples import poa_xml

HEADER = xml.Header(
    idempotency_key="forms-spec-test-0001", filing_date=date(2026, 4, 1),
    created_at=datetime(2026, 4, 1, tzinfo=UTC),
    agent=xml.AgentInfo(org_id=1, kind="gyoseishoshi", name="山田行政書士事務所",
                        registration_number="12345678", bulk_user_id="F1X9",
                        kei_manager_name="山田行政書士事務所(12345678)"))


def realistic(spec) -> dict:
    """The example payload as a form saves it: fields covered by a "same as" flag left empty."""
    payload = example_payload(spec)
    for sec in spec.sections:
        values = payload[sec.key]
        for f in sec.fields:
            if f.unless and values.get(f.unless):
                values[f.key] = ""
    if spec.has_field("poa", "e_poa"):
        payload["poa"]["e_poa"] = poa.encode(poa_xml())
    return payload


@pytest.mark.parametrize("spec", specs.ALL, ids=[s.code for s in specs.ALL])
def test_every_procedure_builds_valid_xml(spec):
    for payload in (example_payload(spec), realistic(spec)):
        root = xml.build_application(spec, payload, HEADER)
        assert root.find(f".//{xml.tag(spec.code)}") is not None


def test_published_family_schemas_are_those_of_the_specs(tmp_path):
    from oss import xsd

    fresh = {p.name: p.read_bytes() for p in xsd.write_family_schemas(tmp_path, specs.ALL)}
    published = {name: (xsd.SCHEMA_DIR / name).read_bytes() for name in fresh}
    assert published == fresh, "run: python -m oss.xsd --specs forms.specs"


@pytest.mark.parametrize("spec", specs.ALL, ids=[s.code for s in specs.ALL])
def test_documents_pass_the_published_family_schema(spec):
    from oss import xsd
    from oss.families import family_of

    schema = xsd.SchemaSet().for_family(family_of(spec.code))
    assert xsd.schema_errors(schema, xml.build(spec, realistic(spec), HEADER)) == []
