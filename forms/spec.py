"""Declarative procedure specs: the data a procedure is made of.

A procedure is data, not a hand-written form. ``forms.specs`` holds one
``ProcedureSpec`` per procedure; WTForms classes are generated from them and
``oss/`` builds the application XML from the same specs.

Application data (``payload``) is a plain JSON-able mapping
``{section_key: {field_key: value}}``; values are strings, booleans or lists of
such (repeating groups are not used). Keys are ASCII snake_case and stable:
they are stored, exported and used in the XML.
"""

from dataclasses import dataclass
from dataclasses import field


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


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    fields: tuple[FieldSpec, ...]


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

    def field(self, section: str, key: str) -> FieldSpec:
        for sec in self.sections:
            if sec.key == section:
                for f in sec.fields:
                    if f.key == key:
                        return f
        raise KeyError(f"{self.code}: no field {section}.{key}")
