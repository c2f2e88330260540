"""Build the application XML from a procedure spec and its payload, and validate it.

The payload contract is ``forms.spec``: ``{section_key: {field_key: value}}``.
Each section becomes an element, each field a child element, in spec order,
inside ``Body/<procedure code>``. Empty optional values are left out. The
header carries the procedure, the back-end, our idempotency key, the agent,
the requester and the timestamps. Every document is validated against the
XSD generated from its spec (``oss.xsd``) before anyone may sign it.
"""

import re
from dataclasses import dataclass
from datetime import date
from datetime import datetime

from lxml import etree

from oss import xsd
from oss.xsd import APP_NS
from oss.xsd import FORMAT_VERSION
from oss.xsd import REPEATABLE_TYPES


def tag(name: str) -> str:
    """Qualified name of an element of our application namespace."""
    return f"{{{APP_NS}}}{name}"


@dataclass(frozen=True)
class AgentInfo:
    org_id: int
    kind: str  # gyoseishoshi | gyoseishoshi_corp | exempt
    name: str
    registration_number: str
    bulk_user_id: str
    branch_name: str = ""
    kei_manager_name: str = ""


@dataclass(frozen=True)
class RequesterInfo:
    org_id: int
    name: str


@dataclass(frozen=True)
class Header:
    idempotency_key: str
    agent: AgentInfo
    filing_date: date
    created_at: datetime  # timezone-aware
    requester: RequesterInfo | None = None


@dataclass(frozen=True)
class Problem:
    """One reason a document is invalid, located at a spec field where possible."""

    section: str
    field: str
    label: str
    message: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.label}: {self.message}"


class BuildError(ValueError):
    """The payload does not fit the spec (unknown key, several values for one field)."""


class InvalidDocument(ValueError):
    """The built document does not satisfy its XSD; ``problems`` say where and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def document_id(idempotency_key: str) -> str:
    """The root ``Id`` (an xs:ID, so it must not start with a digit)."""
    return f"app-{idempotency_key}"


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _add(parent, name: str, value) -> etree._Element:
    el = etree.SubElement(parent, tag(name))
    el.text = _text(value)
    return el


def _header(root, spec, header: Header) -> None:
    head = etree.SubElement(root, tag("Header"))
    for name, value in (("ProcedureCode", spec.code), ("ProcedureName", spec.name),
                        ("Backend", spec.backend), ("IdempotencyKey", header.idempotency_key),
                        ("CreatedAt", header.created_at), ("FilingDate", header.filing_date)):
        _add(head, name, value)
    agent = etree.SubElement(head, tag("Agent"))
    a = header.agent
    for name, value in (("OrgId", a.org_id), ("Kind", a.kind), ("Name", a.name),
                        ("RegistrationNumber", a.registration_number),
                        ("BulkUserId", a.bulk_user_id)):
        _add(agent, name, value)
    if a.branch_name:
        _add(agent, "BranchName", a.branch_name)
    if a.kei_manager_name:
        _add(agent, "KeiManagerName", a.kei_manager_name)
    if header.requester is not None:
        req = etree.SubElement(head, tag("Requester"))
        _add(req, "OrgId", header.requester.org_id)
        _add(req, "Name", header.requester.name)


def _is_empty(value) -> bool:
    return value is None or value == "" or value == []


def _body(root, spec, payload: dict) -> None:
    known = {s.key for s in spec.sections}
    unknown = sorted(set(payload) - known)
    if unknown:
        raise BuildError(f"{spec.code}: payload has sections not in the spec: {unknown}")
    proc = etree.SubElement(etree.SubElement(root, tag("Body")), tag(spec.code))
    for section in spec.sections:
        values = payload.get(section.key) or {}
        extra = sorted(set(values) - {f.key for f in section.fields})
        if extra:
            raise BuildError(f"{spec.code}.{section.key}: fields not in the spec: {extra}")
        present = [f for f in section.fields if not _is_empty(values.get(f.key))]
        if not present and not any(f.required for f in section.fields):
            continue
        sec = etree.SubElement(proc, tag(section.key))
        for field in present:
            value = values[field.key]
            items = value if isinstance(value, list | tuple) else [value]
            if len(items) > 1 and field.type not in REPEATABLE_TYPES:
                raise BuildError(f"{spec.code}.{section.key}.{field.key} takes one value")
            try:
                for item in items:
                    _add(sec, field.key, item)
            except ValueError as exc:  # control characters and the like
                raise BuildError(f"{field.label}: XMLに使えない文字が含まれています。") from exc


def build(spec, payload: dict, header: Header) -> etree._Element:
    """Return the unsigned application element for ``spec`` with ``payload``."""
    root = etree.Element(tag("Application"), nsmap={None: APP_NS},
                         Id=document_id(header.idempotency_key), formatVersion=FORMAT_VERSION)
    _header(root, spec, header)
    _body(root, spec, payload)
    return root


HEADER_LABELS = {
    "ProcedureCode": "手続コード", "ProcedureName": "手続名", "Backend": "OSSの種類",
    "IdempotencyKey": "送信キー", "CreatedAt": "作成日時", "FilingDate": "申請日",
    "OrgId": "組織番号", "Kind": "代理人の区分", "Name": "名称",
    "RegistrationNumber": "登録番号", "BulkUserId": "一括利用者ID", "BranchName": "拠点名",
    "KeiManagerName": "軽証明書等管理業者名",
}
_EXPECTED_RE = re.compile(r"Expected is (?:one of )?\( ([^)]*) \)")


def _local(qname: str) -> str:
    return qname.rsplit("}", 1)[-1]


def _message(entry, field) -> str:
    kind = entry.type_name
    if kind == "SCHEMAV_CVC_MAXLENGTH_VALID" and field is not None and field.max_length:
        return f"{field.max_length}文字以内で入力してください。"
    if kind == "SCHEMAV_CVC_ENUMERATION_VALID":
        return "選択肢にない値です。"
    if kind in ("SCHEMAV_CVC_DATATYPE_VALID_1_2_1", "SCHEMAV_CVC_PATTERN_VALID"):
        if field is not None and field.type == "date":
            return "日付(YYYY-MM-DD)として読めない値です。"
        if field is not None and field.type == "bool":
            return "「はい」か「いいえ」で指定してください。"
    if kind == "SCHEMAV_CVC_MINLENGTH_VALID":
        return "入力してください。"
    return "形式に合いません。"


def _locate(spec, el) -> tuple[str, str, object]:
    """(section key, field key, FieldSpec or None) of an element inside the body."""
    names = [_local(e.tag) for e in reversed(list(el.iterancestors()))] + [_local(el.tag)]
    if "Body" not in names:
        return "header", names[-1], None
    inner = names[names.index("Body") + 2:]  # after Body/<procedure>
    section = inner[0] if inner else ""
    field_key = inner[1] if len(inner) > 1 else ""
    try:
        return section, field_key, spec.field(section, field_key) if field_key else None
    except KeyError:
        return section, field_key, None


def _section_title(spec, key: str) -> str:
    return next((s.title for s in spec.sections if s.key == key), key)


def _problems(spec, root, entries) -> list[Problem]:
    tree = root.getroottree()
    problems = []
    for entry in entries:
        found = tree.xpath(entry.path) if entry.path else []
        el = found[0] if found else root
        section, field_key, field = _locate(spec, el)
        missing = _EXPECTED_RE.search(entry.message)
        if entry.type_name == "SCHEMAV_ELEMENT_CONTENT" and missing:
            child = _local(missing.group(1).split(",")[0].strip())
            if section == "header":
                field_key, label = child, HEADER_LABELS.get(child, child)
            elif not section:
                section, field_key, label = child, "", _section_title(spec, child)
            else:
                field_key = child
                label = spec.field(section, child).label
            problems.append(Problem(section, field_key, label, "入力してください。", entry.message))
            continue
        if section == "header":
            label = HEADER_LABELS.get(field_key, field_key)
        else:
            label = field.label if field is not None else _section_title(spec, section)
        problems.append(Problem(section, field_key, label, _message(entry, field), entry.message))
    return problems


def validate(root: etree._Element, spec) -> None:
    """Check ``root`` against the XSD of ``spec``.

    :raises InvalidDocument: with one ``Problem`` per schema error.
    """
    entries = xsd.schema_errors(xsd.schema_for_spec(spec), root)
    if entries:
        raise InvalidDocument(_problems(spec, root, entries))


def build_application(spec, payload: dict, header: Header) -> etree._Element:
    """Build and validate; the result is ready to be signed."""
    root = build(spec, payload, header)
    validate(root, spec)
    return root
