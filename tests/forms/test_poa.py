"""電子委任状: content sniffing, hardened XML parsing, what is extracted."""

import pytest
from lxml import etree

from forms import poa
from tests.samples import poa_xml

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def refused(data: bytes) -> str:
    with pytest.raises(poa.PoaError) as exc:
        poa.parse(data)
    return exc.value.message


def test_a_portal_document_is_accepted():
    info = poa.parse(poa_xml())
    assert info.root == "電子委任状"
    assert info.delegator == "山田　太郎"
    assert info.address.startswith("東京都")
    assert info.has_prefecture


def test_shift_jis_document_is_accepted():
    info = poa.parse(poa_xml("大阪府大阪市北区梅田", encoding="Shift_JIS"))
    assert info.address == "大阪府大阪市北区梅田"


def test_address_without_prefecture_is_reported():
    assert not poa.parse(poa_xml("千代田区霞が関")).has_prefecture


@pytest.mark.parametrize("data,kind", [(PDF, "PDFファイル"), (JPEG, "JPEG画像"), (PNG, "PNG画像"),
                                       (b"PK\x03\x04rest", "ZIP形式"), (b"GIF89a...", "GIF画像"),
                                       (b"II*\x00....", "TIFF画像")])
def test_scans_are_refused_by_content(data, kind):
    message = refused(data)
    assert kind in message
    assert "国土交通省OSSポータルで作成したXMLファイルだけ" in message


def test_a_pdf_with_xml_looking_tail_is_still_a_pdf():
    assert "PDFファイル" in refused(PDF + poa_xml())


def test_plain_text_is_refused():
    assert "XML文書ではありません" in refused("委任状 山田太郎".encode())


def test_other_xml_is_refused():
    assert "電子委任状ではありません" in refused(b"<invoice><total>1</total></invoice>")


def test_unsigned_document_is_refused():
    data = poa_xml().replace(b"<ds:Signature><ds:SignedInfo/><ds:SignatureValue>AAAA"
                             b"</ds:SignatureValue></ds:Signature>", b"")
    assert "電子署名のない" in refused(data)


def test_broken_xml_is_refused():
    assert "XMLとして読み取れません" in refused(poa_xml()[:-30])


def test_size_cap():
    padding = b"<!--" + b"x" * poa.MAX_BYTES + b"-->"
    big = poa_xml().replace(b"</\xe5\xa7\x94", padding + b"</\xe5\xa7\x94", 1)
    assert "大きすぎます" in refused(big)


def test_empty_is_refused():
    assert "空です" in refused(b"")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<r>&lol3;</r>"""
XXE_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>"""
XXE_HTTP = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]><r>&xxe;</r>"""
PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r/>"""
QUADRATIC = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' + b"x" * 5000 + b'">]><r>' + \
    b"&a;" * 1000 + b"</r>"


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE_FILE, XXE_HTTP, PARAMETER, QUADRATIC])
def test_dtds_and_entities_are_refused(data):
    assert "DTD" in refused(data)


@pytest.mark.parametrize("data", [XXE_FILE, BILLION_LAUGHS])
def test_the_parser_itself_never_expands_entities(data):
    root = etree.fromstring(data, poa.make_parser())
    text = etree.tostring(root)
    assert b"root:" not in text
    assert b"lollollol" not in text


def test_payload_round_trip_keeps_the_bytes():
    data = poa_xml(encoding="Shift_JIS")
    assert poa.decode(poa.encode(data)) == data
    assert poa.from_payload(poa.encode(data)).address.startswith("東京都")
    with pytest.raises(poa.PoaError):
        poa.decode("not base64 !!")
