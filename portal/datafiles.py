"""Configuration tables kept as JSON data files (hours, prices, fees).

A config key (e.g. ``SERVICE_HOURS``) holds either a mapping (tests) or the
path of a JSON file (set from the environment in ``portal.config``); without
it the file shipped beside the code is used. Each table is parsed once per
app and cached until its config value changes.
"""

import json
from pathlib import Path
from typing import Any
from typing import Callable

from flask import current_app

from portal.config import ConfigError


def _read(configured: Any) -> dict:
    if isinstance(configured, dict):
        return configured
    try:
        return json.loads(Path(configured).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read configuration file {configured}: {exc}") from exc


def load_table(key: str, default: Path, parse: Callable[[dict], Any]) -> Any:
    """The parsed table configured under ``key`` (cached per app)."""
    configured = current_app.config.get(key) or default
    marker = repr(configured)
    cache = current_app.extensions.setdefault("ossdesk_tables", {})
    hit = cache.get(key)
    if hit is None or hit[0] != marker:
        try:
            parsed = parse(_read(configured))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{key}: invalid configuration ({exc!r})") from exc
        hit = cache[key] = (marker, parsed)
    return hit[1]
