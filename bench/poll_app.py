"""The WSGI app of ``bench/poll_rps.py``: ossdesk plus two trivial endpoints to compare with.

``/bench/public`` answers "ok" to anyone; ``/bench/ping`` answers "ok" to a
logged-in user, so it pays the same session and tenancy work as every page.
"""

from flask import Blueprint

from portal import create_app
from portal.access import AUTHENTICATED
from portal.access import PUBLIC
from portal.access import policy

bench = Blueprint("bench", __name__, url_prefix="/bench")


@bench.get("/public")
@policy(PUBLIC)
def public():
    return "ok"


@bench.get("/ping")
@policy(AUTHENTICATED)
def ping():
    return "ok"


app = create_app()
app.register_blueprint(bench)
