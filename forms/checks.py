"""Check a payload against its procedure: fields first, then filing rules.

One engine serves the browser form, the live per-field check and bulk import,
so a value is judged the same way wherever it comes from. Nothing here touches
the database: callers pass what the rules need (the filing branch's
軽証明書等管理業者名) in the ``Subject``.
"""

from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cached_property

from forms import poa as poa_module
from forms.spec import FieldSpec
from forms.spec import ProcedureSpec
from forms.spec import SectionSpec

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "on", "はい", "○", "〇", "有", "あり", "✓"})


@dataclass(frozen=True)
class Issue:
    """One problem: a field's message, or a filing rule's refusal (``rule`` set)."""

    message: str
    section: str | None = None
    field: str | None = None
    rule: str | None = None


@dataclass
class Subject:
    """What is being checked: a procedure, its payload, and facts from outside it.

    :param kei_manager_name: the filing branch's 軽証明書等管理業者名; ``None``
        when no agent branch is known yet (a requester's 依頼データ).
    :param attachments_pending: files are attached later in the browser (bulk
        import), so rules do not yet ask for them.
    """

    spec: ProcedureSpec
    payload: dict
    kei_manager_name: str | None = None
    attachments_pending: bool = False
    poa_error: str | None = dc_field(default=None, init=False)

    def value(self, section: str, key: str):
        value = (self.payload.get(section) or {}).get(key)
        return value.strip() if isinstance(value, str) else value

    def text(self, section: str, key: str) -> str:
        value = self.value(section, key)
        return "" if value is None or isinstance(value, bool) else str(value)

    def flag(self, section: str, key: str) -> bool:
        return as_bool(self.value(section, key))

    @cached_property
    def poa(self):
        """The attached 電子委任状 (``PoaInfo``), or None; a broken one sets ``poa_error``."""
        value = self.text("poa", "e_poa")
        if not value:
            return None
        try:
            return poa_module.from_payload(value)
        except poa_module.PoaError as exc:
            self.poa_error = exc.message
            return None


def as_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    return str(value).strip().lower() in TRUE_WORDS


def is_empty(value) -> bool:
    return value is None or value is False or (isinstance(value, str) and not value.strip())


def _asked(section: dict, fs: FieldSpec) -> bool:
    """False when the field is taken from elsewhere (its ``unless`` flag is set)."""
    return not (fs.unless and as_bool(section.get(fs.unless)))


def check_value(sec: SectionSpec, fs: FieldSpec, section: dict, subject: Subject) -> list[str]:
    """Messages for one field of one section (empty list: fine)."""
    if not _asked(section, fs) or fs.type == "file":
        return []
    raw = section.get(fs.key)
    if fs.type == "bool":
        return []
    value = "" if raw is None else str(raw).strip()
    if not value:
        if fs.required:
            verb = "選択" if fs.type == "select" else "入力"
            return [f"「{sec.title}」の「{fs.label}」を{verb}してください。"]
        return [m for v in fs.validators if v.runs_on_empty
                for m in [v.check("", section, subject)] if m]
    if fs.type == "select" and value not in dict(fs.choices):
        options = "・".join(label for _, label in fs.choices)
        return [f"「{fs.label}」は次から選んでください: {options}。"]
    if fs.max_length and len(value) > fs.max_length:
        return [f"「{fs.label}」は{fs.max_length}文字以内で入力してください(現在{len(value)}文字)。"]
    for validator in fs.validators:
        message = validator.check(value, section, subject)
        if message:
            return [message]
    return []


def check_fields(subject: Subject) -> list[Issue]:
    issues = []
    for sec in subject.spec.sections:
        section = subject.payload.get(sec.key) or {}
        for fs in sec.fields:
            for message in check_value(sec, fs, section, subject):
                issues.append(Issue(message, sec.key, fs.key))
    return issues


def check_rules(subject: Subject) -> list[Issue]:
    return [issue for rule in subject.spec.rules for issue in rule(subject)]


def check(subject: Subject) -> list[Issue]:
    """Every field message and every filing-rule refusal for ``subject``."""
    return check_fields(subject) + check_rules(subject)


def check_field(subject: Subject, section: str, key: str) -> list[str]:
    """Messages shown beside one field: its own and the rules that point at it."""
    sec = subject.spec.section(section)
    messages = check_value(sec, sec.field(key), subject.payload.get(section) or {}, subject)
    messages += [i.message for i in check_rules(subject)
                 if i.section == section and i.field == key]
    return messages
