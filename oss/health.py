"""Reachability probe of an OSS endpoint."""

import requests

# What staff read on the association's system page (``detail`` keeps the technical name).
_REASONS = (
    (requests.Timeout, "応答がありません(タイムアウト)"),
    (requests.ConnectionError, "接続できません(接続先が停止しているか、ネットワークの問題です)"),
    (requests.RequestException, "通信エラー"),
)


def probe(base_url: str, timeout: float = 2.0) -> dict:
    """GET ``{base_url}/healthz``; never raises."""
    url = base_url.rstrip("/") + "/healthz"
    try:
        resp = requests.get(url, timeout=timeout)
    except requests.RequestException as exc:
        reason = next(text for kind, text in _REASONS if isinstance(exc, kind))
        return {"ok": False, "url": base_url, "detail": type(exc).__name__, "reason": reason}
    ok = resp.status_code == 200
    reason = "正常に応答しました" if ok else f"エラーを返しました(HTTP {resp.status_code})"
    return {"ok": ok, "url": base_url, "detail": f"HTTP {resp.status_code}", "reason": reason}
