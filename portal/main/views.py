"""Dashboard, procedure selector and health check."""

from flask import jsonify
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from forms.catalogue import OUT_OF_SCOPE_PROCEDURES
from forms.catalogue import for_backend
from portal.access import AUTHENTICATED
from portal.access import PUBLIC
from portal.access import policy
from portal.main import bp
from portal.main import dashboard as dashboards
from portal.main.health import report


@bp.get("/")
@policy(PUBLIC)
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.get("/dashboard")
@policy(AUTHENTICATED)
def dashboard():
    return render_template("main/dashboard.html", **dashboards.context_for(current_user))


@bp.get("/procedures")
@policy("staff")
def procedures():
    return render_template(
        "main/procedures.html", mlit=for_backend("mlit"), kei=for_backend("kei"),
        out_of_scope=OUT_OF_SCOPE_PROCEDURES,
    )


@bp.get("/healthz")
@policy(PUBLIC)
def healthz():
    body, status = report()
    return jsonify(body), status
