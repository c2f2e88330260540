"""Enveloped XML-DSig: RSA-SHA256, explicit C14N 1.0, Japanese element names, tamper detection."""

import pytest
from lxml import etree
from signxml import SignatureMethod
from signxml import XMLSigner
from signxml import methods

from oss import signing
from oss import xml as oxml
from oss.xmlsafe import parse_untrusted
from oss.xsd import DS_NS
from tests import certs
from tests.oss import specs
from tests.oss.conftest import header
from tests.oss.conftest import signer_of

DS = f"{{{DS_NS}}}"


@pytest.fixture
def signed(agent_leaf):
    root = oxml.build_application(specs.ITEN, specs.iten_payload(), header("s" * 32))
    return signer_of(agent_leaf).sign(root)


def test_round_trip(signed, agent_leaf):
    root = parse_untrusted(signed)
    assert signing.signing_certificate(root) == agent_leaf.cert
    covered = signing.verify(root, agent_leaf.cert)
    assert covered.find(f"{oxml.tag('Body')}/{oxml.tag('iten')}/{oxml.tag('所有者')}") is not None
    sig = root.find(f"{DS}Signature")
    assert sig.find(f"{DS}SignedInfo/{DS}CanonicalizationMethod").get("Algorithm") == \
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    assert sig.find(f"{DS}SignedInfo/{DS}SignatureMethod").get("Algorithm").endswith("#rsa-sha256")
    assert sig.find(f".//{DS}Reference").get("URI") == "#app-" + "s" * 32
    assert sig.find(f".//{DS}Transform").get("Algorithm").endswith("#enveloped-signature")


def test_japanese_tag_names_stay_utf8(signed):
    assert "<所有者>".encode() in signed
    assert b"&#" not in signed


@pytest.mark.parametrize("old,new", [
    ("山田　花子".encode(), "田中　花子".encode()),           # body text
    (b"<BulkUserId>BULK0001", b"<BulkUserId>BULK0002"),       # header
    ("<所有者>".encode(), "<所有者 x=\"1\">".encode()),        # an attribute added
])
def test_any_tampering_fails(signed, agent_leaf, old, new):
    assert old in signed
    with pytest.raises(signing.SignatureError):
        signing.verify(parse_untrusted(signed.replace(old, new, 1)), agent_leaf.cert)


def test_verify_needs_the_signers_certificate(signed, authorities, agent_leaf):
    other = certs.make_leaf(authorities.gyoseishoshi,
                            key=certs.rsa_key_other_than(agent_leaf.key))
    with pytest.raises(signing.SignatureError):
        signing.verify(parse_untrusted(signed), other.cert)


def test_unsigned_document_fails(agent_leaf):
    root = oxml.build_application(specs.ITEN, specs.iten_payload(), header("u" * 32))
    with pytest.raises(signing.SignatureError, match="not signed"):
        signing.verify(root, agent_leaf.cert)
    with pytest.raises(signing.SignatureError):
        signing.signing_certificate(root)


def test_plain_signxml_breaks_on_japanese_names(agent_leaf):
    root = oxml.build_application(specs.ITEN, specs.iten_payload(), header("j" * 32))
    with pytest.raises(etree.XMLSyntaxError):
        XMLSigner(method=methods.enveloped).sign(root, key=agent_leaf.key, cert=[agent_leaf.cert])


def test_other_algorithms_are_refused(agent_leaf):
    root = oxml.build_application(specs.ITEN, specs.iten_payload(), header("a" * 32))
    other = signing._Signer(method=methods.enveloped,
                            signature_algorithm=SignatureMethod.RSA_SHA512)
    signed = etree.tostring(other.sign(root, key=agent_leaf.key, cert=[agent_leaf.cert],
                                       reference_uri="#app-" + "a" * 32), encoding="UTF-8")
    with pytest.raises(signing.SignatureError):
        signing.verify(parse_untrusted(signed), agent_leaf.cert)


def test_signature_over_a_part_only_is_refused(agent_leaf):
    root = oxml.build_application(specs.ITEN, specs.iten_payload(), header("p" * 32))
    root.find(oxml.tag("Header")).set("Id", "head")
    signer = signing._Signer(method=methods.enveloped, c14n_algorithm=signing.C14N)
    signed = etree.tostring(signer.sign(root, key=agent_leaf.key, cert=[agent_leaf.cert],
                                        reference_uri="#head"), encoding="UTF-8")
    with pytest.raises(signing.SignatureError):
        signing.verify(parse_untrusted(signed), agent_leaf.cert)


def test_body_digest_ignores_header_and_signature(agent_leaf):
    one = oxml.build_application(specs.ITEN, specs.iten_payload(), header("1" * 32))
    two = oxml.build_application(specs.ITEN, specs.iten_payload(), header("2" * 32))
    assert signing.body_digest(one) == signing.body_digest(two)
    doc = signing.sign_document(signer_of(agent_leaf), one)
    assert doc.body_digest == signing.body_digest(parse_untrusted(doc.data))
    changed = oxml.build_application(specs.ITEN, specs.iten_payload("ABC-1"), header("1" * 32))
    assert signing.body_digest(changed) != signing.body_digest(one)


def test_stock_signxml_verifier_accepts_our_signature(agent_leaf):
    from signxml import XMLVerifier

    root = oxml.build_application(specs.KEIZOKU, specs.vehicle_payload(), header("v" * 32))
    data = signer_of(agent_leaf).sign(root)  # ASCII element names only
    result = XMLVerifier().verify(data, x509_cert=agent_leaf.cert, expect_config=signing.EXPECTED)
    assert result.signed_xml.get("Id") == "app-" + "v" * 32


def test_signer_is_reused_and_leaves_the_input_untouched(agent_leaf):
    signer = signer_of(agent_leaf)
    root = oxml.build_application(specs.ITEN, specs.iten_payload(), header("r" * 32))
    before = etree.tostring(root)
    first, second = signer.sign(root), signer.sign(root)
    assert etree.tostring(root) == before
    for data in (first, second):
        signing.verify(parse_untrusted(data), agent_leaf.cert)
    with pytest.raises(signing.SignatureError):
        signer.sign(root.find(oxml.tag("Body")))
