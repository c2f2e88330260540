"""Received XML is parsed with one hardened configuration: no DOCTYPE, no entities, size cap."""

import time

import pytest

from oss.xmlsafe import UnsafeXml
from oss.xmlsafe import parse_untrusted

ATTACKS = {
    "billion_laughs": b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]><lolz>&lol4;</lolz>""",
    "quadratic": b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "' + b"x" * 50000
                 + b'">]><q>' + b"&a;" * 2000 + b"</q>",
    "system_file": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                   b"<x>&e;</x>",
    "system_http": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]>'
                   b"<x>&e;</x>",
    "parameter_entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM '
                        b'"file:///etc/passwd"> %p;]><x/>',
    "external_dtd": b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><x/>',
    "plain_doctype": b"<!DOCTYPE x><x/>",
    "undeclared_entity": b"<x>&e;</x>",
    "not_xml": b"PK\x03\x04 zip",
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_corpus_is_refused_quickly(name):
    started = time.perf_counter()
    with pytest.raises(UnsafeXml):
        parse_untrusted(ATTACKS[name])
    assert time.perf_counter() - started < 1.0


def test_oversize_is_refused_before_parsing():
    with pytest.raises(UnsafeXml, match="larger"):
        parse_untrusted(b"<x>" + b"a" * 100 + b"</x>", max_bytes=50)


def test_plain_document_parses():
    assert parse_untrusted("<申請><車台番号>ABC</車台番号></申請>".encode()).tag == "申請"
