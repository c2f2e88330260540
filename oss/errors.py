"""One exception family for everything that goes wrong talking to OSS.

The submission pipeline needs three answers from an error, and the classes
give them:

- ``OssNotSent``: the request definitely did not reach OSS (no connection);
  retrying is safe.
- ``OssOutcomeUnknown``: the request may have been processed (read timeout,
  connection dropped after sending, any 5xx); resolve it by a status query by
  idempotency key, never by a blind resend.
- ``OssRejected`` (and its subclasses): OSS answered and refused; the error
  code says why and retrying the same request will not help.
"""


class OssError(Exception):
    """Base class; ``code`` is the OSS error code when OSS gave one."""

    #: False: definitely not sent. None: unknown. True: OSS answered.
    sent: bool | None = True

    def __init__(self, message: str, *, code: str = "", http_status: int | None = None,
                 details: list | None = None):
        super().__init__(f"{code}: {message}" if code else message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.details = details or []


class OssNotSent(OssError):
    sent = False


class OssOutcomeUnknown(OssError):
    sent = None


class OssProtocolError(OssOutcomeUnknown):
    """OSS answered something we cannot read (treated as an unknown outcome)."""


class OssRejected(OssError):
    """OSS refused the request (4xx with an error code)."""


class OssNotFound(OssRejected):
    """No application, list or key is known to OSS under the reference given."""


class OssConflict(OssRejected):
    """The request is not possible in the application's current state."""


class OssIdempotencyMismatch(OssRejected):
    """The idempotency key was already used for a different document or request."""


# Error codes (documented in docs/oss-protocol.md) that map to a subclass.
CODE_CLASSES: dict[str, type[OssRejected]] = {
    "OSS-404": OssNotFound,
    "OSS-410": OssIdempotencyMismatch,
    "OSS-501": OssConflict,
    "OSS-502": OssConflict,
    "OSS-503": OssConflict,
    "OSS-504": OssConflict,
    "OSS-505": OssConflict,
    "OSS-506": OssConflict,
    "OSS-507": OssConflict,
    "OSS-508": OssConflict,
}


def rejected(code: str, message: str, http_status: int, details: list | None = None) -> OssRejected:
    """Build the exception for an OSS refusal with ``code``."""
    cls = CODE_CLASSES.get(code, OssRejected)
    return cls(message, code=code, http_status=http_status, details=details)
