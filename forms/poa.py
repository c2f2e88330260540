"""電子委任状: accept only a power of attorney made on the MLIT OSS portal.

The OSS portal produces the electronic power of attorney as a signed XML
document. Its schema is not public, so this module states what ossdesk
expects [I] and is the only place to change when the real format is known:

- the content is XML (decided by the bytes, never by the file name); a PDF,
  JPEG, PNG, TIFF, GIF, BMP or Office/ZIP file — a scanned paper 委任状 — is
  refused and the message says what it is;
- the root element is ``電子委任状`` (or ``ElectronicPowerOfAttorney``), it
  names the delegator (``委任者``) with an address (``住所``), and it carries
  an XML-DSig ``Signature`` (the portal signs what it issues);
- it is parsed with the project's one hardened parser (``oss.xmlsafe``): no DTD
  (any DOCTYPE is refused), no entity expansion, no network, no huge trees,
  and a size cap.

In the payload the document is kept as base64 of the original bytes, so the
signed bytes reach OSS unchanged.
"""

import base64
import binascii
from dataclasses import dataclass

from lxml import etree

from forms.validators import PREFECTURES
from oss.xmlsafe import make_parser

MAX_BYTES = 256 * 1024
ROOT_NAMES = frozenset({"電子委任状", "ElectronicPowerOfAttorney"})
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"

RULE = "電子委任状"
HINT = ("電子委任状は国土交通省OSSポータルで作成したXMLファイルだけが使えます。"
        "紙の委任状をスキャンしたPDFや画像は使えません。")

# (magic bytes, what the file is)
_MAGIC = (
    (b"%PDF", "PDFファイル"),
    (b"\xff\xd8\xff", "JPEG画像"),
    (b"\x89PNG\r\n\x1a\n", "PNG画像"),
    (b"GIF87a", "GIF画像"),
    (b"GIF89a", "GIF画像"),
    (b"II*\x00", "TIFF画像"),
    (b"MM\x00*", "TIFF画像"),
    (b"BM", "BMP画像"),
    (b"PK\x03\x04", "ZIP形式のファイル(Word・Excel等)"),
    (b"\xd0\xcf\x11\xe0", "旧形式のOfficeファイル"),
    (b"\xff\xfe", "UTF-16のテキスト"),
    (b"\xfe\xff", "UTF-16のテキスト"),
)


class PoaError(ValueError):
    """The document is not an acceptable 電子委任状; ``message`` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PoaInfo:
    root: str
    delegator: str
    address: str
    size: int

    @property
    def has_prefecture(self) -> bool:
        return self.address.startswith(PREFECTURES)


def sniff(data: bytes) -> str | None:
    """What a non-XML file is, from its first bytes (None when it may be XML)."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            # "BM" is also how a text could start; only a BMP header is binary.
            if magic == b"BM" and data[:64].isascii() and b"\x00" not in data[:64]:
                continue
            return kind
    return None


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _text(root, *path: str) -> str:
    node = root
    for name in path:
        node = next((c for c in node if _local(c.tag) == name), None)
        if node is None:
            return ""
    return (node.text or "").strip()


def parse(data: bytes, *, max_bytes: int = MAX_BYTES) -> PoaInfo:
    """Parse and check a 電子委任状; raise ``PoaError`` with the reason."""
    if not data:
        raise PoaError("ファイルが空です。" + HINT)
    if len(data) > max_bytes:
        raise PoaError(f"ファイルが大きすぎます({len(data) // 1024:,}KB、上限{max_bytes // 1024}KB)。"
                       + HINT)
    kind = sniff(data)
    if kind:
        raise PoaError(f"添付されたのは{kind}です。" + HINT)
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        raise PoaError("XML文書ではありません。" + HINT)
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise PoaError("DTD(DOCTYPE宣言)やエンティティ定義を含むXMLは安全のため受け付けません。" + HINT)
    try:
        root = etree.fromstring(data, make_parser())
    except etree.XMLSyntaxError:
        raise PoaError("XMLとして読み取れません(壊れているか、XMLではありません)。" + HINT) from None
    if root.getroottree().docinfo.doctype:
        raise PoaError("DTD(DOCTYPE宣言)を含むXMLは安全のため受け付けません。" + HINT)
    if _local(root.tag) not in ROOT_NAMES:
        raise PoaError(f"XMLですが電子委任状ではありません(ルート要素「{_local(root.tag)}」)。" + HINT)
    if root.find(f".//{{{DSIG_NS}}}Signature") is None:
        raise PoaError("電子署名のない委任状です。OSSポータルで作成した電子委任状をそのまま添付してください。")
    address = _text(root, "委任者", "住所")
    if not address:
        raise PoaError("電子委任状に委任者の住所がありません。OSSポータルで作成し直してください。")
    return PoaInfo(root=_local(root.tag), delegator=_text(root, "委任者", "氏名"),
                   address=address, size=len(data))


def encode(data: bytes) -> str:
    """The payload form of a document: base64 of its bytes."""
    return base64.b64encode(data).decode("ascii")


def decode(value: str) -> bytes:
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise PoaError("保存されている電子委任状が壊れています。添付し直してください。") from None


def from_payload(value: str) -> PoaInfo:
    return parse(decode(value))
