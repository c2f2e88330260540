"""Reachability probe of an OSS endpoint."""

import requests


def probe(base_url: str, timeout: float = 2.0) -> dict:
    """GET ``{base_url}/healthz``; never raises."""
    url = base_url.rstrip("/") + "/healthz"
    try:
        resp = requests.get(url, timeout=timeout)
    except requests.RequestException as exc:
        return {"ok": False, "url": base_url, "detail": type(exc).__name__}
    return {"ok": resp.status_code == 200, "url": base_url, "detail": f"HTTP {resp.status_code}"}
