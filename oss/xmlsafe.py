"""Parsing XML we did not write: one hardened parser configuration, no DOCTYPE."""

from lxml import etree

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024


class UnsafeXml(ValueError):
    """The bytes are not a well-formed, DOCTYPE-free XML document within the size cap."""


def make_parser() -> etree.XMLParser:
    """A fresh parser (lxml parsers must not be shared between threads)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=False)


def parse_untrusted(data: bytes, max_bytes: int = MAX_DOCUMENT_BYTES) -> etree._Element:
    """Parse ``data``; refuse oversize input, any DOCTYPE and anything not well-formed."""
    if len(data) > max_bytes:
        raise UnsafeXml(f"document larger than {max_bytes} bytes")
    try:
        root = etree.fromstring(data, make_parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"not well-formed: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXml("DOCTYPE is not allowed")
    return root
