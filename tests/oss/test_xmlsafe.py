"""Received XML is parsed with one hardened configuration: no DOCTYPE, no entities, size cap."""

import time

import pytest
from lxml import etree

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


def test_external_references_read_no_file_and_open_no_connection(tmp_path):
    """SECURITY.md S4. A file the payloads point at is never read (a parser resolving
    entities would put its text into the document), and a listener where they point over
    HTTP gets no connection. (This lxml's libxml2 has no HTTP client at all; the listener
    guards against one that has.)"""
    import socket

    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-42", encoding="utf-8")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.3)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    payloads = [f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "{where}">]><x>&e;</x>'
                for where in (secret.as_uri(), f"{url}/e")]
    payloads += [
        f'<?xml version="1.0"?><!DOCTYPE x SYSTEM "{url}/x.dtd"><x/>',
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "{url}/p"> %p;]><x/>',
        f'<x xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="{secret.as_uri()}" '
        'parse="text"/></x>',
    ]
    try:
        for payload in payloads:
            try:
                root = parse_untrusted(payload.encode())
            except UnsafeXml:
                continue
            assert b"SECRET-42" not in etree.tostring(root)
        try:
            listener.accept()[0].close()
            connected = True
        except TimeoutError:
            connected = False
    finally:
        listener.close()
    assert not connected


def test_the_attack_corpus_stays_within_50_mb(tmp_path):
    """SECURITY.md S4: < 50 MB for the parse, measured as the peak RSS of a fresh process
    parsing every payload, against the same process before the first one."""
    import json
    import subprocess
    import sys

    script = tmp_path / "parse.py"
    script.write_text(
        "import json, resource, sys\n"
        "from oss.xmlsafe import UnsafeXml, parse_untrusted\n"
        "from tests.oss.test_xmlsafe import ATTACKS\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for data in ATTACKS.values():\n"
        "    try:\n"
        "        parse_untrusted(data)\n"
        "    except UnsafeXml:\n"
        "        pass\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps({'before_kb': before, 'after_kb': after}))\n", encoding="utf-8")
    from portal.config import ROOT

    out = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=60, env={"PYTHONPATH": str(ROOT)})
    rss = json.loads(out.stdout)
    assert rss["after_kb"] - rss["before_kb"] < 50 * 1024, rss
