"""What the certificate page shows."""

from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_login import current_user

from portal.certificates.deposit import today_jst
from portal.certificates.forms import StartDateForm
from portal.certificates.selection import FilingBlocked
from portal.certificates.selection import choose_certificate
from portal.certificates.selection import expiry_warnings
from portal.extensions import db
from portal.models import CertRole
from portal.models import OrgKind
from portal.models import SigningCertificate


def page_context(org, upload_form, edit_forms: dict | None = None) -> dict:
    role = CertRole.REQUESTER if org.kind == OrgKind.REQUESTER else CertRole.AGENT
    certs = db.session.scalars(
        sa.select(SigningCertificate).where(SigningCertificate.org_id == org.id)
        .order_by(SigningCertificate.start_date.desc(), SigningCertificate.id.desc())).all()
    forms = {c.id: StartDateForm(prefix=f"cert-{c.id}", formdata=None, start_date=c.start_date)
             for c in certs}
    forms.update(edit_forms or {})
    for form in (upload_form, *forms.values()):  # 依頼人証明書: 登録日
        form.start_date.label.text = role.start_label
    try:
        in_use, blocked = choose_certificate(org.id, datetime.now(UTC), role), None
    except FilingBlocked as exc:
        in_use, blocked = None, exc
    upload_url = (url_for("certificates.org_upload", org_id=org.id) if current_user.is_association
                  else url_for("certificates.upload"))
    return {"org": org, "role": role, "certificates": certs, "edit_forms": forms,
            "upload_form": upload_form, "upload_url": upload_url,
            "in_use": in_use,
            "blocked": blocked if certs or (role == CertRole.AGENT and org.kind.is_agent) else None,
            "warnings": {w.certificate.id: w for w in expiry_warnings(org.id, today_jst())},
            "now": datetime.now(UTC).replace(tzinfo=None)}
