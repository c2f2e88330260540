"""Field builders and shared choice lists for the procedure specs."""

from forms import validators as v
from forms.spec import FieldSpec

ELECTRONIC_OR_PAPER = (("electronic", "電子"), ("paper", "紙"))
USE_TYPES = (("private", "自家用"), ("business", "事業用"), ("rental", "貸渡"))
OFFICIAL_CERTIFICATES = (("kanshoku", "官職証明書"), ("shokuseki", "職責証明書"))
PARKING_MODES = (
    ("electronic", "OSSで保管場所証明を電子申請する"),
    ("paper_police", "警察署で交付された紙の保管場所証明書を使う"),
    ("not_required", "保管場所証明は不要(対象外の地域・手続)"),
)
TAX_MODES = (("electronic", "OSSで電子申告する"), ("paper", "紙で申告する"))
POA_MODES = (("electronic", "電子委任状(OSSポータルで作成)"), ("paper", "紙の委任状(ハイブリッド申請)"))
SEAL_CERT_MODES = (("not_required", "提出しない(電子委任状)"), ("paper", "紙で提出(ハイブリッド申請)"))

EXAMPLE_ADDRESS = "東京都千代田区霞が関二丁目１番３号"


def text(key: str, label: str, *, required: bool = False, validators: tuple = (),
         help: str = "", max_length: int | None = None, example: str = "",
         unless: str | None = None) -> FieldSpec:
    return FieldSpec(key, label, "text", required, tuple(validators), help, (), max_length,
                     example, unless)


def jis_text(key: str, label: str, **kw) -> FieldSpec:
    """Full-width JIS X 0208 text (names, addresses)."""
    extra = tuple(kw.pop("validators", ()))
    return text(key, label, validators=(v.JisX0208(), *extra), **kw)


def date(key: str, label: str, *, required: bool = False, not_future: bool = False,
         not_past: bool = False, help: str = "", example: str = "",
         unless: str | None = None) -> FieldSpec:
    return FieldSpec(key, label, "date", required,
                     (v.IsoDate(not_future=not_future, not_past=not_past),), help, (), None,
                     example, unless)


def select(key: str, label: str, choices, *, required: bool = False, help: str = "",
           example: str = "", unless: str | None = None) -> FieldSpec:
    return FieldSpec(key, label, "select", required, (), help, tuple(choices), None, example,
                     unless)


def flag(key: str, label: str, *, help: str = "", example: bool = False) -> FieldSpec:
    return FieldSpec(key, label, "bool", False, (), help, (), None, example)


def file(key: str, label: str, *, help: str = "") -> FieldSpec:
    return FieldSpec(key, label, "file", False, (), help)
