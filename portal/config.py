"""Configuration: defaults, then the environment, then a test override.

Secrets never live in the repository. In development (the default), a random
``SECRET_KEY`` and a data-encryption key are generated into ``instance/`` on
first start. With ``OSSDESK_ENV=production`` the app refuses to start unless
``SECRET_KEY`` and ``OSSDESK_KEYS`` come from the environment.
"""

import base64
import json
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised when the app cannot start safely with the configuration given."""


def instance_dir() -> Path:
    path = Path(os.environ.get("OSSDESK_INSTANCE", ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sqlite_default() -> str:
    return f"sqlite:///{instance_dir() / 'ossdesk.db'}"


def normalise_db_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the usual short form."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _dev_secret(name: str, make) -> str:
    path = instance_dir() / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _new_keyring() -> str:
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    return json.dumps({"primary": "k1", "keys": {"k1": key}})


def load_config(test_config: dict | None = None) -> dict:
    """Return the configuration mapping for ``create_app``."""
    env = os.environ
    production = env.get("OSSDESK_ENV", "development") == "production"
    oss_port = int(env.get("OSS_PORT", "5001"))
    cfg: dict = {
        "ENV_NAME": "production" if production else "development",
        "SQLALCHEMY_DATABASE_URI": normalise_db_url(env.get("DATABASE_URL") or _sqlite_default()),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLITE_BEGIN": "IMMEDIATE",
        "REDIS_URL": env.get("REDIS_URL") or None,
        "OSS_MLIT_URL": env.get("OSS_MLIT_URL") or f"http://127.0.0.1:{oss_port}/mlit",
        "OSS_KEI_URL": env.get("OSS_KEI_URL") or f"http://127.0.0.1:{oss_port}/kei",
        "OSS_TIMEOUT": float(env.get("OSS_TIMEOUT", "10")),
        "OSS_CONNECT_TIMEOUT": float(env.get("OSS_CONNECT_TIMEOUT", "3.05")),
        # Trusted issuing CAs per certificate type: <dir>/<gyoseishoshi|shogyo_toki|jpki>/*.pem
        "CERT_ISSUER_DIR": env.get("OSSDESK_CERT_ISSUERS") or str(instance_dir() / "cert-issuers"),
        "CERT_UPLOAD_MAX_BYTES": 64 * 1024,
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        "WTF_I18N_ENABLED": False,  # WTForms' own Japanese messages (forms.base), no Flask-Babel
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_ABSOLUTE_HOURS": 12,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_FAILURE_WINDOW_MINUTES": 15,
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "20 per minute"),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: count in this process's memory instead of failing the login page.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "PROXY_FIX_HOPS": int(env.get("PROXY_FIX_HOPS", "0")),
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_NAME": "__Host-ossdesk" if production else "ossdesk_session",
        "REMEMBER_COOKIE_DURATION": 0,
        "HSTS_SECONDS": 31_536_000,
        # Configuration tables (JSON files; docs/hours-and-billing.md). Unset: the shipped files.
        "SERVICE_HOURS": env.get("OSSDESK_SERVICE_HOURS") or None,
        "BILLING": env.get("OSSDESK_BILLING") or None,
        "STATUTORY_FEES": env.get("OSSDESK_STATUTORY_FEES") or None,
        # Development only: start the portal clock at this ISO moment (portal/clock.py).
        "CLOCK_START": env.get("OSSDESK_CLOCK_START") or None,
    }
    secret_key = env.get("SECRET_KEY")
    keyring = env.get("OSSDESK_KEYS")
    if production:
        missing = [n for n, v in (("SECRET_KEY", secret_key), ("OSSDESK_KEYS", keyring)) if not v]
        if missing:
            raise ConfigError(
                "production mode needs these set in the environment: " + ", ".join(missing)
            )
    else:
        secret_key = secret_key or _dev_secret("secret_key", lambda: secrets.token_hex(32))
        keyring = keyring or _dev_secret("keyring.json", _new_keyring)
    if production and cfg["CLOCK_START"]:
        raise ConfigError("OSSDESK_CLOCK_START is for development only")
    cfg["SECRET_KEY"] = secret_key
    cfg["OSSDESK_KEYS"] = keyring
    if test_config:
        cfg.update(test_config)
    return cfg
