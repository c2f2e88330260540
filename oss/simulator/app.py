"""WSGI assembly of the simulator."""

import json

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

BACKENDS = {"mlit": "国土交通省OSS(シミュレータ)", "kei": "軽自動車OSS(シミュレータ)"}


def _backend_app(backend: str):
    @Request.application
    def app(request: Request) -> Response:
        if request.path == "/healthz":
            body = json.dumps({"status": "ok", "backend": backend})
            return Response(body, mimetype="application/json")
        return Response(json.dumps({"error": "NOT_FOUND"}), status=404, mimetype="application/json")

    return app


@Request.application
def _index(request: Request) -> Response:
    if request.path == "/healthz":
        return Response(json.dumps({"status": "ok"}), mimetype="application/json")
    items = "".join(f"<li>/{k}: {v}</li>" for k, v in BACKENDS.items())
    html = (
        "<!doctype html><html lang='ja'><meta charset='utf-8'><title>OSSシミュレータ</title>"
        f"<h1>OSSシミュレータ</h1><ul>{items}</ul></html>"
    )
    return Response(html, mimetype="text/html")


def create_simulator():
    """Return the simulator's WSGI application."""
    return DispatcherMiddleware(_index, {f"/{b}": _backend_app(b) for b in BACKENDS})
