"""Declarative procedure specs: the data a procedure is made of.

A procedure is data, not a hand-written form. ``forms.specs`` holds one
``ProcedureSpec`` per procedure; WTForms classes are generated from them and
``oss/`` builds the application XML from the same specs.

Application data (``payload``) is a plain JSON-able mapping
``{section_key: {field_key: value}}``; values are strings, booleans or lists of
such (repeating groups are not used). Keys are ASCII snake_case and stable:
they are stored, exported and used in the XML. A ``file`` field holds the
attached document as text (the 電子委任状 XML), never a file name.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field

FIELD_TYPES = ("text", "textarea", "date", "select", "bool", "file")


@dataclass(frozen=True)
class FieldSpec:
    key: str                      # ASCII, stable (stored in payload and XML)
    label: str                    # Japanese label shown to users
    type: str = "text"            # text | textarea | date | select | bool | file
    required: bool = False
    validators: tuple = ()        # callables from forms.validators (WTForms style)
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None
    example: str | bool = ""      # a valid sample value (templates, demo data, benchmarks)
    unless: str | None = None     # key of a bool field of the same section: when it is
                                  # set, this field is taken from elsewhere (not asked)

    @property
    def importable(self) -> bool:
        """Files are attached in the browser; everything else can be imported."""
        return self.type != "file"

    def choice_label(self, value) -> str:
        return dict(self.choices).get(value, "" if value is None else str(value))


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    fields: tuple[FieldSpec, ...]
    help: str = ""

    def field(self, key: str) -> FieldSpec:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(f"section {self.key}: no field {key}")


@dataclass(frozen=True)
class ProcedureSpec:
    code: str                     # e.g. "iten" (see forms.catalogue)
    name: str                     # 移転登録
    backend: str                  # "mlit" | "kei"
    sections: tuple[SectionSpec, ...]
    authorities: tuple[str, ...]  # 運輸支局 / 軽自動車検査協会, 警察, 都道府県税事務所
    needs_receipt_list: bool      # every procedure except 継続検査
    checkpoints: tuple[str, ...] = ()   # where 中断 can take effect (OSS status names)
    rules: tuple = field(default=())    # filing rules (callables) checked before sending
    compound: bool = False        # 複合申請: two procedures filed as one (e.g. 移転+一時抹消)
    hybrid_allowed: bool = False  # ハイブリッド申請 (paper 印鑑証明書・委任状) is possible
    family: str = ""              # spec module family, e.g. "deregistration"
    summary: str = ""             # one line shown in the procedure selector

    def field(self, section: str, key: str) -> FieldSpec:
        for sec in self.sections:
            if sec.key == section:
                for f in sec.fields:
                    if f.key == key:
                        return f
        raise KeyError(f"{self.code}: no field {section}.{key}")

    def section(self, key: str) -> SectionSpec:
        for sec in self.sections:
            if sec.key == key:
                return sec
        raise KeyError(f"{self.code}: no section {key}")

    def has_field(self, section: str, key: str) -> bool:
        try:
            self.field(section, key)
        except KeyError:
            return False
        return True

    def iter_fields(self) -> Iterator[tuple[SectionSpec, FieldSpec]]:
        for sec in self.sections:
            for f in sec.fields:
                yield sec, f

    @property
    def is_kei(self) -> bool:
        return self.backend == "kei"

    @property
    def label(self) -> str:
        """The name as lists show it: kei procedures marked (軽) (継続検査 exists for both)."""
        return self.name + ("(軽)" if self.is_kei else "")

    @property
    def backend_label(self) -> str:
        return {"mlit": "登録車(国土交通省OSS)", "kei": "軽自動車(軽自動車OSS)"}[self.backend]

    def example_payload(self) -> dict:
        """A payload made of every field's example value (valid by construction)."""
        return {
            sec.key: {f.key: f.example for f in sec.fields if f.type != "file"}
            for sec in self.sections
        }


def field_name(section: str, key: str) -> str:
    """The flat HTML/WTForms name of a payload field: ``section__key``."""
    return f"{section}__{key}"


def split_name(name: str) -> tuple[str, str]:
    section, _, key = name.partition("__")
    return section, key
