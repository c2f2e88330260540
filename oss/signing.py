"""Enveloped XML-DSig signatures (RSA-SHA256, SHA-256 digests, C14N 1.0) via signxml.

signxml re-serialises nodes with ``etree.tostring`` and lxml's default ASCII
encoding, which writes non-ASCII *element names* (our specs may use Japanese
keys) as character references and breaks the document. Both our signer and
verifier therefore serialise as UTF-8.

Signing speed: signxml copies its input by serialising and re-parsing it and
rebuilds the same KeyInfo for every document. Our signer copies the tree once
with ``deepcopy`` (the input is always a whole document we built), reuses the
ds:* tag names and the certificate's base64 text, and reuses one XMLSigner per
key, so that the RSA operation stays the main cost (``bench/sign_throughput.py``).
Canonicalisation, digests and the signature itself remain signxml's.
"""

import base64
import copy
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml import CanonicalizationMethod
from signxml import DigestAlgorithm
from signxml import SignatureMethod
from signxml import SignatureReference
from signxml import XMLSigner
from signxml import XMLVerifier
from signxml import methods
from signxml.exceptions import InvalidInput
from signxml.exceptions import SignXMLException
from signxml.util import strip_pem_header
from signxml.verifier import SignatureConfiguration

from oss.keystore import SigningMaterial
from oss.xsd import APP_NS
from oss.xsd import DS_NS

C14N = CanonicalizationMethod.CANONICAL_XML_1_0
EXPECTED = SignatureConfiguration(
    require_x509=True,
    location="./",
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
)


class SignatureError(Exception):
    """A document is not signed, or its signature does not verify."""


class _UTF8:
    def _tostring(self, xml_node, **kwargs):
        kwargs.setdefault("encoding", "UTF-8")
        return etree.tostring(xml_node, **kwargs)


_DS_TAGS: dict[str, object] = {}


class _Signer(_UTF8, XMLSigner):
    cert_texts: tuple[str, ...] = ()

    def _ds_tag(self, tag):
        qname = _DS_TAGS.get(tag)
        if qname is None:
            qname = _DS_TAGS[tag] = super()._ds_tag(tag)
        return qname

    def _unpack(self, data, references):
        # A whole document we built: copy it once for the output and canonicalise the
        # untouched original (signxml would serialise and re-parse it twice).
        if (references is not None or not isinstance(data, etree._Element)
                or data.getparent() is not None or data.get("Id") is None):
            return super()._unpack(data, references)
        sig_root = etree.Element(self._ds_tag("Signature"), nsmap=self.namespaces)
        doc_root = copy.deepcopy(data)
        doc_root.append(sig_root)
        return sig_root, doc_root, [data], [SignatureReference(URI=f"#{data.get('Id')}")]

    def _add_key_info(self, sig_root, signing_settings):
        if not self.cert_texts:
            return super()._add_key_info(sig_root, signing_settings)
        x509_data = etree.SubElement(etree.SubElement(sig_root, self._ds_tag("KeyInfo")),
                                     self._ds_tag("X509Data"))
        for text in self.cert_texts:
            etree.SubElement(x509_data, self._ds_tag("X509Certificate")).text = text


class _Verifier(_UTF8, XMLVerifier):
    pass


def serialize(root: etree._Element) -> bytes:
    """The bytes sent to OSS: UTF-8 with an XML declaration, never pretty-printed."""
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


class DocumentSigner:
    """Sign application documents with one key (load the key once, sign many)."""

    def __init__(self, material: SigningMaterial):
        self.material = material
        self._chain = [material.cert, *material.chain]
        self._signer = _Signer(method=methods.enveloped,
                               signature_algorithm=SignatureMethod.RSA_SHA256,
                               digest_algorithm=DigestAlgorithm.SHA256, c14n_algorithm=C14N)
        self._signer.cert_texts = tuple(strip_pem_header(c.public_bytes(Encoding.PEM))
                                        for c in self._chain)

    def sign(self, root: etree._Element) -> bytes:
        """Return the serialised document with an enveloped signature over the whole root.

        The reference points at the root's ``Id`` (``#app-<key>``).
        """
        if root.get("Id") is None or root.getparent() is not None:
            raise SignatureError("only a whole application document with an Id can be signed")
        try:
            signed = self._signer.sign(root, key=self.material.key, cert=self._chain)
        except (InvalidInput, SignXMLException) as exc:
            raise SignatureError(f"signing failed: {exc}") from exc
        return serialize(signed)


def signing_certificate(root: etree._Element) -> x509.Certificate:
    """The first X.509 certificate in the document's signature KeyInfo."""
    found = root.find(f"{{{DS_NS}}}Signature/{{{DS_NS}}}KeyInfo/{{{DS_NS}}}X509Data/"
                      f"{{{DS_NS}}}X509Certificate")
    if found is None or not (found.text or "").strip():
        raise SignatureError("no signing certificate in the signature")
    try:
        return x509.load_der_x509_certificate(base64.b64decode("".join(found.text.split())))
    except ValueError as exc:
        raise SignatureError("the signing certificate cannot be read") from exc


def verify(root: etree._Element, cert: x509.Certificate) -> etree._Element:
    """Verify the enveloped signature of ``root`` made with ``cert``'s key.

    Returns the element that the signature covers (the root without the
    signature); callers read data only from it. Any tampering raises.

    :raises SignatureError: no signature, another algorithm, or a mismatch.
    """
    if root.find(f"{{{DS_NS}}}Signature") is None:
        raise SignatureError("the document is not signed")
    try:
        result = _Verifier().verify(root, x509_cert=cert, expect_config=EXPECTED)
    except (InvalidInput, SignXMLException) as exc:
        raise SignatureError(str(exc)) from exc
    signed = result.signed_xml
    if signed is None or signed.tag != f"{{{APP_NS}}}Application" or signed.get(
            "Id") != root.get("Id"):
        raise SignatureError("the signature does not cover the whole application")
    return signed


def body_digest(root: etree._Element) -> str:
    """SHA-256 of the canonical ``Body``: equal for the same application data."""
    body = root.find(f"{{{APP_NS}}}Body")
    data = etree.tostring(body, method="c14n") if body is not None else b""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class SignedDocument:
    """What the pipeline stores before sending: the bytes and their digests."""

    data: bytes
    digest: str       # SHA-256 of the exact bytes sent
    body_digest: str  # SHA-256 of the canonical Body

    @classmethod
    def of(cls, data: bytes, root: etree._Element) -> "SignedDocument":
        return cls(data=data, digest=hashlib.sha256(data).hexdigest(),
                   body_digest=body_digest(root))


def sign_document(signer: DocumentSigner, root: etree._Element) -> SignedDocument:
    """Sign ``root`` and return the bytes with their digests."""
    return SignedDocument.of(signer.sign(root), root)
