"""Deposited signing certificates: upload, 利用開始日, choice per filing, key loading."""

from flask import Blueprint
from flask import current_app
from flask import request

bp = Blueprint("certificates", __name__)

# Multipart form fields besides the file (CSRF token, password, date) fit in this.
FORM_OVERHEAD = 8 * 1024
UPLOAD_ENDPOINTS = frozenset({"certificates.upload", "certificates.org_upload"})


def limit_upload_body():
    """Cap the request body of certificate uploads before anything parses the form.

    Registered ahead of every other ``before_request`` hook (CSRF reads the
    form), so an oversize upload is refused with 413 without being spooled.
    """
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["CERT_UPLOAD_MAX_BYTES"] + FORM_OVERHEAD


@bp.record_once
def _install_limit(state) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, limit_upload_body)


from portal.certificates import views  # noqa: E402,F401
