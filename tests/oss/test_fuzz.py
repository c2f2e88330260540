"""Fuzzing the parsers of untrusted input (SECURITY.md §4): whatever bytes arrive, the XML
parser, the 電子委任状 check and the PKCS#12 opener either accept them or refuse them with
their own error — never another exception (a 500), never a hang."""

import functools

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from forms.poa import PoaError
from forms.poa import parse as parse_poa
from oss.keystore import Pkcs12Error
from oss.keystore import open_pkcs12
from oss.xmlsafe import UnsafeXml
from oss.xmlsafe import parse_untrusted
from tests import certs

FUZZ = settings(max_examples=300, deadline=5000,  # ms: a hang fails the example
                suppress_health_check=[HealthCheck.too_slow])

XML = ("<?xml version='1.0' encoding='UTF-8'?>\n<委任状><委任者><住所>東京都千代田区</住所>"
       "<氏名>山田 太郎</氏名></委任者><受任者>代理人</受任者></委任状>").encode()
# pieces an attacker would try inside a document
PIECES = [b"<!DOCTYPE a [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>", b"&x;", b"<![CDATA[",
          b"]]>", b"<!--", b"-->", b"<?xml-stylesheet href='http://example.com/x'?>",
          b"\x00", b"\xff\xfe", b"<a:b xmlns:a='urn:x'>", b"</", b"&#0;", b"&lt;", b"%x;"]


@functools.cache
def _p12() -> bytes:
    ca = certs.make_ca("ファズ用CA")
    return certs.make_p12(certs.make_leaf(ca, "ファズ 太郎"), "Fuzz-pass-1")


def _mutated(seed: bytes):
    """``seed`` with bytes replaced, inserted or cut at drawn places."""
    def apply(edits) -> bytes:
        data = bytearray(seed)
        for kind, where, piece in edits:
            at = where % (len(data) + 1)
            if kind == "put" and data:
                data[at % len(data)] = piece[0] if piece else 0
            elif kind == "insert":
                data[at:at] = piece
            else:
                del data[at:at + len(piece) + 1]
        return bytes(data)
    edit = st.tuples(st.sampled_from(["put", "insert", "cut"]), st.integers(0, 1 << 16),
                     st.one_of(st.sampled_from(PIECES), st.binary(min_size=1, max_size=8)))
    return st.lists(edit, min_size=1, max_size=6).map(apply)


@FUZZ
@given(st.one_of(st.binary(max_size=512), _mutated(XML)))
def test_the_xml_parser_accepts_or_refuses_nothing_else(data):
    try:
        root = parse_untrusted(data)
    except UnsafeXml:
        return
    assert root.getroottree().docinfo.doctype == ""  # nothing with a DOCTYPE gets through


@FUZZ
@given(st.one_of(st.binary(max_size=512), _mutated(XML)))
def test_the_power_of_attorney_check_accepts_or_refuses_nothing_else(data):
    try:
        parse_poa(data)
    except PoaError:
        pass


@FUZZ
@given(st.one_of(st.binary(max_size=256), st.builds(lambda: _p12()).flatmap(_mutated)),
       st.sampled_from(["Fuzz-pass-1", "", "wrong"]))
def test_the_pkcs12_opener_accepts_or_refuses_nothing_else(data, password):
    try:
        material = open_pkcs12(data, password)
    except Pkcs12Error:
        return
    assert material.key.key_size >= 2048  # what opens is a usable signing key
