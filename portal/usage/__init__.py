"""利用件数グラフ: completed applications per month and back-end, public and per organisation."""

from flask import Blueprint

bp = Blueprint("usage", __name__, url_prefix="/usage")


def init_app(app) -> None:
    from portal.usage import views  # noqa: F401

    app.register_blueprint(bp)
