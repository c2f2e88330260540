"""XSDs of the application format, generated from the procedure specs.

``oss/schemas/envelope.xsd`` (hand-written) defines the header and shared
types. Each procedure family gets ``oss/schemas/<family>.xsd``: the root
element, a ``Body`` holding one procedure element, and for each procedure its
sections (elements) and fields (child elements) typed from the spec. The same
generator serves two uses:

- the builder validates every document before signing against the schema of
  its own spec (built in memory, so it can never be stale);
- ``write_family_schemas`` publishes the family files that the simulator (the
  OSS side) validates received documents against (``python -m oss.xsd``).
"""

import re
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from oss.families import FAMILIES
from oss.families import family_of
from oss.xmlsafe import make_parser

APP_NS = "urn:ossdesk:oss:application:1"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
XS_NS = "http://www.w3.org/2001/XMLSchema"
SCHEMA_DIR = Path(__file__).parent / "schemas"
ENVELOPE = "envelope.xsd"
FORMAT_VERSION = "1"

_NAME_RE = re.compile(r"[^\W\d][\w.\-]*")
REPEATABLE_TYPES = frozenset({"file"})
FIELD_TYPES = frozenset({"text", "textarea", "date", "select", "bool", "file"})


class SchemaError(ValueError):
    """A spec cannot be expressed as an XML schema (bad key, unknown field type)."""


def _xs(tag: str) -> str:
    return f"{{{XS_NS}}}{tag}"


def check_name(name: str, where: str) -> str:
    """Return ``name`` if it is usable as an XML element name (Japanese allowed)."""
    if not _NAME_RE.fullmatch(name) or name.lower().startswith("xml"):
        raise SchemaError(f"{where}: {name!r} cannot be an XML element name")
    return name


def _field_type(parent, spec_code: str, field) -> None:
    simple = etree.SubElement(parent, _xs("simpleType"))
    if field.type not in FIELD_TYPES:
        raise SchemaError(f"{spec_code}.{field.key}: unknown field type {field.type!r}")
    if field.type == "date":
        etree.SubElement(simple, _xs("restriction"), base="xs:date")
    elif field.type == "bool":
        etree.SubElement(simple, _xs("restriction"), base="oss:BooleanType")
    else:
        rule = etree.SubElement(simple, _xs("restriction"), base="xs:string")
        if field.type == "select":
            for value, _label in field.choices:
                etree.SubElement(rule, _xs("enumeration"), value=str(value))
        else:
            etree.SubElement(rule, _xs("minLength"), value="1")
            if field.max_length:
                etree.SubElement(rule, _xs("maxLength"), value=str(field.max_length))


def _always_required(field) -> bool:
    """Required and never covered by a "same as …" flag (``FieldSpec.unless``)."""
    return field.required and not field.unless


def _procedure_type(root, spec) -> None:
    check_name(spec.code, "procedure code")
    ctype = etree.SubElement(root, _xs("complexType"), name=f"Procedure_{spec.code}")
    seq = etree.SubElement(ctype, _xs("sequence"))
    for section in spec.sections:
        required = any(_always_required(f) for f in section.fields)
        sec = etree.SubElement(seq, _xs("element"), name=check_name(section.key, spec.code),
                               minOccurs="1" if required else "0")
        fields = etree.SubElement(etree.SubElement(sec, _xs("complexType")), _xs("sequence"))
        for field in section.fields:
            el = etree.SubElement(
                fields, _xs("element"), name=check_name(field.key, f"{spec.code}.{section.key}"),
                minOccurs="1" if _always_required(field) else "0",
                maxOccurs="unbounded" if field.type in REPEATABLE_TYPES else "1")
            _field_type(el, spec.code, field)


def schema_document(specs: Iterable) -> bytes:
    """Return the XSD (UTF-8 bytes) for a set of procedures of one family."""
    specs = list(specs)
    if not specs:
        raise SchemaError("a schema needs at least one procedure")
    root = etree.Element(_xs("schema"), nsmap={"xs": XS_NS, "oss": APP_NS},
                         targetNamespace=APP_NS, elementFormDefault="qualified",
                         attributeFormDefault="unqualified")
    etree.SubElement(root, _xs("include"), schemaLocation=ENVELOPE)
    app = etree.SubElement(root, _xs("element"), name="Application")
    ctype = etree.SubElement(app, _xs("complexType"))
    seq = etree.SubElement(ctype, _xs("sequence"))
    etree.SubElement(seq, _xs("element"), name="Header", type="oss:HeaderType")
    body = etree.SubElement(seq, _xs("element"), name="Body")
    choice = etree.SubElement(etree.SubElement(body, _xs("complexType")), _xs("choice"))
    for spec in specs:
        etree.SubElement(choice, _xs("element"), name=spec.code, type=f"oss:Procedure_{spec.code}")
    etree.SubElement(seq, _xs("any"), namespace=DS_NS, processContents="skip", minOccurs="0")
    etree.SubElement(ctype, _xs("attribute"), name="Id", type="xs:ID", use="required")
    etree.SubElement(ctype, _xs("attribute"), name="formatVersion",
                     type="oss:FormatVersionType", use="required")
    for spec in specs:
        _procedure_type(root, spec)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def compile_schema(document: bytes) -> etree.XMLSchema:
    """Compile an XSD whose ``include`` of the envelope resolves in ``oss/schemas``."""
    tree = etree.fromstring(document, make_parser(), base_url=str(SCHEMA_DIR / "generated.xsd"))
    return etree.XMLSchema(tree)


_SPEC_SCHEMAS: dict[int, tuple[object, etree.XMLSchema]] = {}
_LOCK = threading.Lock()


def schema_for_spec(spec) -> etree.XMLSchema:
    """The compiled schema of one procedure (cached per spec object)."""
    cached = _SPEC_SCHEMAS.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    schema = compile_schema(schema_document([spec]))
    with _LOCK:
        _SPEC_SCHEMAS[id(spec)] = (spec, schema)
    return schema


def write_family_schemas(directory: str | Path, specs: Iterable) -> list[Path]:
    """Write ``<family>.xsd`` for every family with specs, plus the envelope; return the paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    by_family: dict[str, list] = {}
    for spec in specs:
        by_family.setdefault(family_of(spec.code), []).append(spec)
    written = []
    if directory.resolve() != SCHEMA_DIR.resolve():
        shutil.copyfile(SCHEMA_DIR / ENVELOPE, directory / ENVELOPE)
    for family, members in by_family.items():
        order = FAMILIES[family]
        members.sort(key=lambda s: order.index(s.code))
        path = directory / f"{family}.xsd"
        path.write_bytes(schema_document(members))
        written.append(path)
    return written


class SchemaSet:
    """Family schemas loaded from a directory (the published files), compiled once."""

    def __init__(self, directory: str | Path = SCHEMA_DIR):
        self.directory = Path(directory)
        self._compiled: dict[str, etree.XMLSchema] = {}
        self._lock = threading.Lock()

    def for_family(self, family: str) -> etree.XMLSchema | None:
        """The compiled schema of ``family``, or None when no file is published for it."""
        with self._lock:
            if family not in self._compiled:
                path = self.directory / f"{family}.xsd"
                if not path.is_file():
                    return None
                tree = etree.parse(str(path), make_parser())
                self._compiled[family] = etree.XMLSchema(tree)
            return self._compiled[family]


_VALIDATE_LOCK = threading.Lock()


def schema_errors(schema: etree.XMLSchema, root: etree._Element) -> list:
    """Validate ``root``; return lxml's error entries (empty when valid).

    A compiled schema keeps the error log of its last run, so runs are
    serialised to keep each caller's errors its own.
    """
    with _VALIDATE_LOCK:
        if schema.validate(root):
            return []
        return list(schema.error_log)


def _load_specs(reference: str) -> list:
    """Specs from ``module:attribute`` (an iterable of specs, or a mapping of them)."""
    import importlib

    module, _, attr = reference.partition(":")
    value = getattr(importlib.import_module(module), attr or "SPECS")
    return list(value.values() if hasattr(value, "values") else value)


def main(argv: list[str] | None = None) -> None:
    """``python -m oss.xsd --specs forms.specs:SPECS``: publish the family schemas."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m oss.xsd")
    parser.add_argument("--specs", required=True, help="module:attribute holding the specs")
    parser.add_argument("--out", default=str(SCHEMA_DIR))
    args = parser.parse_args(argv)
    for path in write_family_schemas(args.out, _load_specs(args.specs)):
        print(path)


if __name__ == "__main__":
    main()
