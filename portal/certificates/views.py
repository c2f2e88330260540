"""Certificate pages: admins manage their organisation's, association staff upload for any."""

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from portal.access import policy
from portal.auth import reauth
from portal.certificates import bp
from portal.certificates.deposit import CertificateRejected
from portal.certificates.deposit import UploadTooLarge
from portal.certificates.deposit import change_start_date
from portal.certificates.deposit import deposit
from portal.certificates.deposit import read_upload
from portal.certificates.deposit import set_active
from portal.certificates.forms import StartDateForm
from portal.certificates.forms import UploadForm
from portal.certificates.page import page_context
from portal.extensions import db
from portal.models import Organization
from portal.models import SigningCertificate
from portal.tenancy import get_or_404


def _render(org, form):
    return render_template("certificates/index.html", **page_context(org, form))


def _list_url(org_id: int) -> str:
    if current_user.is_association:
        return url_for("certificates.org_index", org_id=org_id)
    return url_for("certificates.index")


def _upload(org: Organization):
    form = UploadForm()
    if not (form.validate_on_submit() and reauth.confirmed(form.login_password)):
        return _render(org, form)
    try:
        data = read_upload(form.file.data)
    except UploadTooLarge:  # next to the field, with what was typed kept
        cap = current_app.config["CERT_UPLOAD_MAX_BYTES"] // 1024
        form.file.errors = [f"ファイルが大きすぎます(上限{cap}KB)。電子証明書のファイル"
                            "(.p12 / .pfx)を選んでください。"]
        return _render(org, form), 413
    try:
        deposit(org, data, form.password.data, form.start_date.data, current_user)
    except CertificateRejected as exc:
        db.session.commit()  # keeps the audit record of the refusal
        getattr(form, exc.field).errors = [exc.message]
        return _render(org, form)
    db.session.commit()
    flash("電子証明書を登録しました。", "success")
    return redirect(_list_url(org.id))


@bp.get("/")
@policy("admin")
def index():
    return _render(current_user.organization, UploadForm())


@bp.post("/")
@policy("admin")
def upload():
    return _upload(current_user.organization)


@bp.get("/orgs/<int:org_id>")
@policy("association")
def org_index(org_id: int):
    return _render(get_or_404(Organization, org_id), UploadForm())


@bp.post("/orgs/<int:org_id>")
@policy("association")
def org_upload(org_id: int):
    return _upload(get_or_404(Organization, org_id))


@bp.post("/<int:cert_id>/start-date")
@policy("admin", "association")
def start_date(cert_id: int):
    cert = get_or_404(SigningCertificate, cert_id)
    form = StartDateForm(prefix=f"cert-{cert.id}")
    if form.validate_on_submit():
        try:
            change_start_date(cert, form.start_date.data)
        except CertificateRejected as exc:
            form.start_date.errors = [exc.message]
        else:
            db.session.commit()
            flash("利用開始日を変更しました。", "success")
            return redirect(_list_url(cert.org_id))
    org = get_or_404(Organization, cert.org_id)
    return render_template("certificates/index.html", **page_context(
        org, UploadForm(formdata=None), edit_forms={cert.id: form}))


@bp.post("/<int:cert_id>/active")
@policy("admin", "association")
def toggle(cert_id: int):
    cert = get_or_404(SigningCertificate, cert_id)
    set_active(cert, not cert.active)
    db.session.commit()
    flash("証明書の利用を再開しました。" if cert.active else "証明書の利用を停止しました。",
          "success")
    return redirect(_list_url(cert.org_id))
