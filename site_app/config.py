"""Every setting the site reads, parsed and checked in one place.

Order of precedence: the defaults below, then the environment, then the
overrides a caller passes to ``create_app`` (tests pass a plain dict).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message says which, in one line."""


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _opt(value: str) -> str | None:
    return value or None


_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*(?:per|/)\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)


def parse_rate(limit: str) -> tuple[int, int]:
    """``"5 per hour"`` -> ``(5, 3600)``: how many, in how many seconds."""
    match = _RATE.match(limit)
    if not match:
        raise ValueError(f"expected e.g. '5 per hour', got {limit!r}")
    return int(match[1]), _UNITS[match[2].lower()]


def _rate(value: str) -> str:
    parse_rate(value)
    return value


def _sender(value: str) -> str:
    if value not in {"thread", "off"}:
        raise ValueError("expected thread or off")
    return value


def _log_format(value: str) -> str:
    if value not in {"text", "json"}:
        raise ValueError("expected text or json")
    return value


def _bind(value: str) -> str | None:
    """``host:port`` (``[::1]:9100`` for IPv6), or empty for nothing."""
    if value and not re.match(r"^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$", value):
        raise ValueError("expected host:port, e.g. 127.0.0.1:9100")
    return value or None


def _clock(value: str) -> tuple[int, int]:
    match = re.match(r"^([01]?\d|2[0-3]):([0-5]\d)$", value.strip())
    if not match:
        raise ValueError("expected a UTC time of day as HH:MM, e.g. 08:00")
    return int(match[1]), int(match[2])


def _every(value: str) -> timedelta:
    match = re.match(r"^(\d+)\s*([dhm])$", value.strip())
    if not match or int(match[1]) == 0:
        raise ValueError("expected a number and d, h or m, e.g. 1d, 6h or 30m")
    unit = {"d": "days", "h": "hours", "m": "minutes"}[match[2]]
    return timedelta(**{unit: int(match[1])})


def _every_or_off(value: str) -> timedelta | None:
    return None if value.strip().lower() == "off" else _every(value)


def _seconds(value: str) -> float:
    if float(value) < 0:
        raise ValueError("expected a number of seconds, 0 or more")
    return float(value)


def _positive(value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise ValueError("expected a whole number of at least 1")
    return int(value)


def _count_by(value: str) -> str:
    if value not in {"page", "pixel"}:
        raise ValueError("expected page or pixel (when a cache in front answers pages)")
    return value


def _webhook_format(value: str) -> str:
    if value not in {"standard", "slack"}:
        raise ValueError("expected standard or slack")
    return value


# name: (default, parser). docs/settings.md's table mirrors this one (tests/test_docs.py).
SETTINGS: dict[str, tuple[str, Callable[[str], Any]]] = {
    "APP_ENV": ("development", str),
    "SECRET_KEY": ("", str),
    "SITE_URL": ("http://127.0.0.1:8000", lambda v: v.rstrip("/")),
    "LOG_LEVEL": ("INFO", str.upper),
    "LOG_FORMAT": ("text", _log_format),
    "METRICS_BIND": ("", _bind),
    "PAGE_MAX_AGE": ("3600", int),
    "MAX_CONTENT_LENGTH": ("65536", int),
    "PROXY_FIX_X_FOR": ("0", int),
    "PROXY_FIX_X_PROTO": ("0", int),
    "PROXY_FIX_X_HOST": ("0", int),
    "PROXY_FIX_X_PORT": ("0", int),
    "PROXY_FIX_X_PREFIX": ("0", int),
    "DATABASE_URL": (f"sqlite:///{INSTANCE / 'glissando.db'}", str),
    "DB_AUTO_UPGRADE": ("true", _bool),
    "MAIL_SERVER": ("", _opt),
    "MAIL_PORT": ("25", int),
    "MAIL_USE_TLS": ("false", _bool),
    "MAIL_USE_SSL": ("false", _bool),
    "MAIL_USERNAME": ("", _opt),
    "MAIL_PASSWORD": ("", _opt),
    "MAIL_TIMEOUT": ("10", float),
    "MAIL_TLS_CA_FILE": ("", _opt),
    "MAIL_ALLOW_PLAINTEXT_AUTH": ("false", _bool),
    "MAIL_DEFAULT_SENDER": ("Glissando website <website@glissando.ai>", str),
    "CONTACT_RECIPIENT": ("info@glissando.ai", str),
    "CONTACT_SERVICES": (
        "Chatbot,AI agents,Workflow automation,Custom AI development,Other",
        _list,
    ),
    "CONTACT_MIN_FILL_SECONDS": ("3", float),
    "TRIAGE_RULES": ("", _opt),
    "TRIAGE_LEARNING": ("true", _bool),
    "CONTACT_RATE_LIMIT": ("5 per hour", _rate),
    "RATE_LIMIT_KEY": ("", str),
    "OUTBOX_SENDER": ("thread", _sender),
    "OUTBOX_POLL_SECONDS": ("2", float),
    "OUTBOX_LEASE_SECONDS": ("120", float),
    "OUTBOX_FIRST_RETRY_SECONDS": ("5", float),
    "OUTBOX_MAX_BACKOFF_SECONDS": ("900", float),
    "OUTBOX_GIVE_UP_SECONDS": ("259200", float),
    "OUTBOX_BATCH_SIZE": ("50", int),
    "DIGEST_AT": ("08:00", _clock),
    "DIGEST_EVERY": ("1d", _every),
    "TRIAGE_LINK_DAYS": ("30", _positive),
    "COUNT_FLUSH_SECONDS": ("5", _seconds),
    "COUNT_BY": ("page", _count_by),
    "REPORT_TO": ("", str),
    "REPORT_AT": ("08:00", _clock),
    "REPORT_EVERY": ("7d", _every_or_off),
    "WEBHOOK_URL": ("", _opt),
    "WEBHOOK_SECRET": ("", _opt),
    "WEBHOOK_FORMAT": ("standard", _webhook_format),
    "WEBHOOK_TIMEOUT": ("10", float),
}

DEV_SECRET = "dev-only-secret-not-for-production"  # noqa: S105 - local default


def load(environ: Mapping[str, str], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Build the Flask config dict, raising ConfigError naming the bad setting."""
    config: dict[str, Any] = {}
    for name, (default, parse) in SETTINGS.items():
        raw = environ.get(name, default)
        try:
            config[name] = parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{name}={raw!r} is not valid: {exc}") from None
    config.update(overrides or {})
    _check(config)
    return config


def _check(config: dict[str, Any]) -> None:
    env = config["APP_ENV"]
    if env not in {"production", "development", "testing"}:
        raise ConfigError(f"APP_ENV={env!r}: use production, development or testing")
    production = env == "production"
    if not config["SECRET_KEY"]:
        if production:
            raise ConfigError("SECRET_KEY is not set: production refuses to start without it")
        config["SECRET_KEY"] = DEV_SECRET
    if config["MAIL_USE_TLS"] and config["MAIL_USE_SSL"]:
        raise ConfigError("MAIL_USE_TLS and MAIL_USE_SSL are both on: choose one")
    encrypted = config["MAIL_USE_TLS"] or config["MAIL_USE_SSL"]
    if config["MAIL_USERNAME"] and not encrypted and not config["MAIL_ALLOW_PLAINTEXT_AUTH"]:
        if production:
            raise ConfigError(
                "MAIL_USERNAME is set but neither MAIL_USE_TLS nor MAIL_USE_SSL is on: "
                "the relay password would travel in clear (MAIL_ALLOW_PLAINTEXT_AUTH=true "
                "allows it for a relay on loopback)"
            )
    ca_file = config["MAIL_TLS_CA_FILE"]
    if ca_file and not Path(ca_file).is_file():
        raise ConfigError(f"MAIL_TLS_CA_FILE={ca_file!r} is not a file: name a PEM CA bundle")
    if production and ca_file and not encrypted:
        raise ConfigError("MAIL_TLS_CA_FILE is set but neither MAIL_USE_TLS nor MAIL_USE_SSL is on")
    if production and not config["MAIL_SERVER"]:
        raise ConfigError("MAIL_SERVER is not set: production needs a relay for inquiries")
    if not config["CONTACT_SERVICES"]:
        raise ConfigError("CONTACT_SERVICES is empty: list at least one service")
    _check_webhook(config)
    config.setdefault("RATE_LIMIT_KEY", "")
    config["RATE_LIMIT_KEY"] = config["RATE_LIMIT_KEY"] or config["SECRET_KEY"]
    config["TESTING"] = env == "testing"
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_SECURE"] = config["SITE_URL"].startswith("https:")
    config["PREFERRED_URL_SCHEME"] = config["SITE_URL"].split(":", 1)[0]
    config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"]
    if config["DATABASE_URL"].startswith("postgresql"):
        # A shared server: drop pooled connections a restart or failover killed, give up
        # connecting after 5 s (unless the URL says otherwise), and pin READ COMMITTED,
        # which the rate limit's lock relies on whatever the server's default.
        connect = {} if "connect_timeout=" in config["DATABASE_URL"] else {"connect_timeout": 5}
        config.setdefault(
            "SQLALCHEMY_ENGINE_OPTIONS",
            {"pool_pre_ping": True, "isolation_level": "READ COMMITTED", "connect_args": connect},
        )
    config["MAIL_SUPPRESS_SEND"] = False  # tests too: mail goes to a real SMTP server
    config.setdefault("WTF_CSRF_TIME_LIMIT", 3600 * 8)
    config["WTF_CSRF_SSL_STRICT"] = True


def _check_webhook(config: dict[str, Any]) -> None:
    """Neither value is ever quoted: the secret, and a Slack URL, are credentials."""
    url = config.setdefault("WEBHOOK_URL", None)
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError("WEBHOOK_URL must be an http:// or https:// URL with a host")
    if config["WEBHOOK_FORMAT"] == "slack":
        return
    secret = config["WEBHOOK_SECRET"] or ""
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except ValueError:
        key = b""
    if not secret.startswith("whsec_") or not 24 <= len(key) <= 64:
        raise ConfigError(
            "WEBHOOK_SECRET must be whsec_ followed by a base64 key of 24 to 64 bytes "
            "(WEBHOOK_FORMAT=standard signs every webhook)"
        )
