"""Configuration, read only from environment variables (documented in README.md)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "dev-only-secret-change-me"
SECRET_FILE = "secret_key"
DEVELOPMENT_ENVS = ("development", "test")


class ConfigError(RuntimeError):
    pass


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    try:
        return int(raw) if raw not in (None, "") else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    try:
        return float(raw) if raw not in (None, "") else default
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _str(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _secret_file(instance: Path) -> str:
    """The random secret ``make run`` writes to ``instance/secret_key`` on first run (used when SECRET_KEY is unset)."""
    path = instance / SECRET_FILE
    return path.read_text(encoding="utf-8").strip() if path.is_file() else ""


def load_config(overrides: dict | None = None) -> dict:
    """All settings as a dict, with ``overrides`` (tests, tools) on top.

    Paths default to places inside the instance folder, so overriding INSTANCE_PATH moves them all.
    """
    overrides = overrides or {}
    instance = Path(overrides.get("INSTANCE_PATH") or _str("INSTANCE_PATH", str(ROOT / "instance")))
    return {
        "APP_ENV": _str("APP_ENV", "production"),
        "SECRET_KEY": _str("SECRET_KEY", "") or _secret_file(instance) or DEFAULT_SECRET,
        "DATA_ENCRYPTION_KEY": _str("DATA_ENCRYPTION_KEY", ""),
        "DATABASE_URL": _str("DATABASE_URL", f"sqlite:///{instance / 'yiwang.db'}"),
        "INSTANCE_PATH": str(instance),
        "UPLOAD_FOLDER": _str("UPLOAD_FOLDER", str(instance / "uploads")),
        "SEARCH_INDEX_DIR": _str("SEARCH_INDEX_DIR", str(instance / "search-index")),
        "MAX_UPLOAD_MB": _int("MAX_UPLOAD_MB", 10),
        "MAX_JSON_KB": _int("MAX_JSON_KB", 256),
        "TIMEZONE": _str("TIMEZONE", "Asia/Shanghai"),
        "ACCESS_TOKEN_MINUTES": _int("ACCESS_TOKEN_MINUTES", 15),
        "REFRESH_TOKEN_DAYS": _int("REFRESH_TOKEN_DAYS", 30),
        "AUTH_RATE_LIMIT": _str("AUTH_RATE_LIMIT", "10 per minute;100 per hour"),
        "RATELIMIT_STORAGE_URI": _str("RATELIMIT_STORAGE_URI", "memory://"),
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "PASSWORD_TIME_COST": _int("PASSWORD_TIME_COST", 3),
        "PASSWORD_MEMORY_COST": _int("PASSWORD_MEMORY_COST", 65536),
        "PAGE_SIZE": _int("PAGE_SIZE", 20),
        "LOG_LEVEL": _str("LOG_LEVEL", "INFO"),
        "RASA_URL": _str("RASA_URL", "http://127.0.0.1:5005"),
        "ACTION_SERVER_URL": _str("ACTION_SERVER_URL", "http://127.0.0.1:5055"),
        "RASA_TIMEOUT_SECONDS": float(_str("RASA_TIMEOUT_SECONDS", "2.5")),
        "CHAT_TOKEN_MINUTES": _int("CHAT_TOKEN_MINUTES", 5),
        # Push notifications (docs/notifications.md)
        "NOTIFY_BACKEND": _str("NOTIFY_BACKEND", "log"),
        "DISPATCHER": _str("DISPATCHER", ""),  # embedded | celery | off; empty: embedded, off when APP_ENV=test
        "FCM_PROJECT_ID": _str("FCM_PROJECT_ID", ""),
        "FCM_BASE_URL": _str("FCM_BASE_URL", "https://fcm.googleapis.com"),
        "FCM_STATIC_TOKEN": _str("FCM_STATIC_TOKEN", ""),
        "FCM_HTTP_TIMEOUT": _float("FCM_HTTP_TIMEOUT", 10.0),
        "GOOGLE_APPLICATION_CREDENTIALS": _str("GOOGLE_APPLICATION_CREDENTIALS", ""),
        "CELERY_BROKER_URL": _str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        "CELERY_QUEUE": _str("CELERY_QUEUE", "notifications"),
        "NOTIFY_MAX_ATTEMPTS": _int("NOTIFY_MAX_ATTEMPTS", 10),
        "NOTIFY_BACKOFF_BASE": _float("NOTIFY_BACKOFF_BASE", 10.0),
        "NOTIFY_BACKOFF_MAX": _float("NOTIFY_BACKOFF_MAX", 3600.0),
        "NOTIFY_BATCH_SIZE": _int("NOTIFY_BATCH_SIZE", 500),
        "NOTIFY_LEASE_SECONDS": _float("NOTIFY_LEASE_SECONDS", 300.0),
        "NOTIFY_POLL_SECONDS": _float("NOTIFY_POLL_SECONDS", 2.0),
        "DEADLINE_SCAN_AT": _str("DEADLINE_SCAN_AT", "08:30"),
        # Hardening (README, security)
        "MAX_DEVICES_PER_USER": _int("MAX_DEVICES_PER_USER", 10),
        "REFRESH_GRACE_SECONDS": _int("REFRESH_GRACE_SECONDS", 30),
        "EXPENSIVE_RATE_LIMIT": _str("EXPENSIVE_RATE_LIMIT", "30 per minute;600 per hour"),
        "WRITE_RATE_LIMIT": _str("WRITE_RATE_LIMIT", "60 per minute;1000 per hour"),
        "REGISTER_PHONE_RATE_LIMIT": _str("REGISTER_PHONE_RATE_LIMIT", "3 per hour;10 per day"),
        "LOGIN_LOCKOUT_ATTEMPTS": _int("LOGIN_LOCKOUT_ATTEMPTS", 5),
        "LOGIN_LOCKOUT_MINUTES": _int("LOGIN_LOCKOUT_MINUTES", 15),
    } | overrides


def check_production(config: dict) -> None:
    """Only an environment explicitly named development or test (APP_ENV) accepts the development secret;
    any other, the default included, refuses to start on a default or weak secret."""
    if config["APP_ENV"] in DEVELOPMENT_ENVS:
        return
    secret = config["SECRET_KEY"]
    if secret == DEFAULT_SECRET or len(secret) < 32:
        raise ConfigError("SECRET_KEY must be set to a random value of at least 32 characters unless APP_ENV is "
                          "development or test")
    if not config["DATA_ENCRYPTION_KEY"] or len(config["DATA_ENCRYPTION_KEY"]) < 32:
        raise ConfigError("DATA_ENCRYPTION_KEY must be set (at least 32 characters) unless APP_ENV is development "
                          "or test")
