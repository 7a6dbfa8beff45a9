"""Settings (配置), read from environment variables in this one place (documented in README.md).

The API, the CLI, the Celery workers and the benchmarks all call ``load_settings()``; each setting is a
field named after its environment variable, with its type and its default written here once. It sits in
``models/`` because that is the one layer every process imports; it needs neither Flask nor Celery.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "dev-only-secret-change-me"
SECRET_FILE = "secret_key"  # in INSTANCE_PATH; `make run` writes a random one on first run
DEVELOPMENT_ENVS = ("development", "test")  # the only environments that accept DEFAULT_SECRET
DISPATCHER_MODES = ("embedded", "celery", "off")


class ConfigError(RuntimeError):
    pass


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every setting with its default. Paths left empty default to places inside ``INSTANCE_PATH``."""

    APP_ENV: str = "production"
    SECRET_KEY: str = ""  # $INSTANCE_PATH/secret_key if that file exists, else DEFAULT_SECRET
    DATA_ENCRYPTION_KEY: str = ""
    INSTANCE_PATH: str = str(ROOT / "instance")
    DATABASE_URL: str = ""  # sqlite:///$INSTANCE_PATH/yiwang.db
    UPLOAD_FOLDER: str = ""  # $INSTANCE_PATH/uploads
    SEARCH_INDEX_DIR: str = ""  # $INSTANCE_PATH/search-index
    MAX_UPLOAD_MB: int = 10
    MAX_JSON_KB: int = 256
    TIMEZONE: str = "Asia/Shanghai"
    ACCESS_TOKEN_MINUTES: int = 15
    REFRESH_TOKEN_DAYS: int = 30
    AUTH_RATE_LIMIT: str = "10 per minute;100 per hour"
    RATELIMIT_STORAGE_URI: str = "memory://"
    TRUSTED_PROXIES: int = 0
    PASSWORD_TIME_COST: int = 3
    PASSWORD_MEMORY_COST: int = 65536
    PAGE_SIZE: int = 20
    LOG_LEVEL: str = "INFO"
    # The assistant
    RASA_URL: str = "http://127.0.0.1:5005"
    ACTION_SERVER_URL: str = "http://127.0.0.1:5055"
    RASA_TIMEOUT_SECONDS: float = 2.5
    CHAT_TOKEN_MINUTES: int = 5
    # Sent by the action server as X-Assistant-Key: its calls are then limited per user, not per client
    # (they all come from the action server's address; /chat already limits each end client).
    ASSISTANT_API_KEY: str = ""
    # Rasa's conversations (models/assistant/conversations.py): their own SQLite file locally; in production
    # the project's PostgreSQL database, schema "rasa" (…?options=-csearch_path%3Drasa)
    TRACKER_STORE_URL: str = ""  # sqlite:///$INSTANCE_PATH/conversations.db
    # Long enough to look into a complaint about a conversation, short enough that chats are not a second
    # archive of personal data (issue #10).
    CONVERSATION_RETENTION_DAYS: int = 90
    # Push notifications (docs/notifications.md)
    NOTIFY_BACKEND: str = "log"
    DISPATCHER: str = ""  # embedded | celery | off; empty: embedded, off when APP_ENV=test
    FCM_PROJECT_ID: str = ""
    FCM_BASE_URL: str = "https://fcm.googleapis.com"
    FCM_STATIC_TOKEN: str = ""
    FCM_HTTP_TIMEOUT: float = 10.0
    GOOGLE_APPLICATION_CREDENTIALS: str = ""
    CELERY_BROKER_URL: str = "redis://127.0.0.1:6379/0"
    CELERY_QUEUE: str = "notifications"
    NOTIFY_MAX_ATTEMPTS: int = 10
    NOTIFY_BACKOFF_BASE: float = 10.0
    NOTIFY_BACKOFF_MAX: float = 3600.0
    NOTIFY_BATCH_SIZE: int = 500
    NOTIFY_LEASE_SECONDS: float = 300.0
    NOTIFY_POLL_SECONDS: float = 2.0
    DEADLINE_SCAN_AT: dt.time = dt.time(8, 30)  # local HH:MM of the daily deadline scan
    # Hardening (README, "Security")
    MAX_DEVICES_PER_USER: int = 10
    REFRESH_GRACE_SECONDS: int = 30
    EXPENSIVE_RATE_LIMIT: str = "30 per minute;600 per hour"
    WRITE_RATE_LIMIT: str = "60 per minute;1000 per hour"
    REGISTER_PHONE_RATE_LIMIT: str = "3 per hour;10 per day"
    LOGIN_LOCKOUT_ATTEMPTS: int = 5
    LOGIN_LOCKOUT_MINUTES: int = 15

    def __post_init__(self) -> None:
        instance = Path(self.INSTANCE_PATH)
        for name, default in (("DATABASE_URL", f"sqlite:///{instance / 'yiwang.db'}"),
                              ("UPLOAD_FOLDER", str(instance / "uploads")),
                              ("SEARCH_INDEX_DIR", str(instance / "search-index")),
                              ("TRACKER_STORE_URL", f"sqlite:///{instance / 'conversations.db'}")):
            if not getattr(self, name):
                object.__setattr__(self, name, default)
        if not self.SECRET_KEY:
            object.__setattr__(self, "SECRET_KEY", _secret_file(instance) or DEFAULT_SECRET)
        if self.DISPATCHER not in ("", *DISPATCHER_MODES):
            raise ConfigError(f"DISPATCHER must be one of {', '.join(DISPATCHER_MODES)}, not {self.DISPATCHER!r}")

    @property
    def dispatcher_mode(self) -> str:
        return self.DISPATCHER or ("off" if self.APP_ENV == "test" else "embedded")

    @property
    def max_upload_bytes(self) -> int:
        return self.MAX_UPLOAD_MB * 1024 * 1024

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _secret_file(instance: Path) -> str:
    """The random secret ``make run`` writes to ``instance/secret_key`` on first run."""
    path = instance / SECRET_FILE
    return path.read_text(encoding="utf-8").strip() if path.is_file() else ""


NAMES = frozenset(field.name for field in dataclasses.fields(Settings))


def _parse(name: str, kind: str, raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "dt.time":
            return dt.time.fromisoformat(raw)
    except ValueError as exc:
        expected = {"int": "a whole number", "float": "a number", "dt.time": "a time HH:MM"}[kind]
        raise ConfigError(f"{name} must be {expected}, got {raw!r}") from exc
    return raw


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] = os.environ) -> Settings:
    """The settings from ``environ``, with ``overrides`` (tests, tools) on top; unknown keys are ignored.

    An empty variable counts as unset.
    """
    overrides = overrides or {}
    values = {}
    for field in dataclasses.fields(Settings):
        raw = overrides[field.name] if field.name in overrides else environ.get(field.name)
        if raw not in (None, ""):
            values[field.name] = _parse(field.name, field.type, raw)
    return Settings(**values)


def check_production(settings: Settings) -> None:
    """Only an environment explicitly named development or test (APP_ENV) accepts the development secret;
    any other, the default included, refuses to start on a default or weak secret."""
    if settings.APP_ENV in DEVELOPMENT_ENVS:
        return
    secret = settings.SECRET_KEY
    if secret == DEFAULT_SECRET or len(secret) < 32:
        raise ConfigError("SECRET_KEY must be set to a random value of at least 32 characters unless APP_ENV is "
                          "development or test")
    if len(settings.DATA_ENCRYPTION_KEY) < 32:
        raise ConfigError("DATA_ENCRYPTION_KEY must be set (at least 32 characters) unless APP_ENV is development "
                          "or test")
