"""The Flask app's configuration: the settings (``models.settings``) plus what Flask and its extensions read."""

from __future__ import annotations

from typing import Any

from models.settings import NAMES, Settings


def flask_config(settings: Settings, overrides: dict | None = None) -> dict[str, Any]:
    """``app.config``: every setting under its own name, the extensions' keys, and any other override
    (``TESTING``) as given."""
    extra = {name: value for name, value in (overrides or {}).items() if name not in NAMES}
    return settings.as_dict() | {
        "MAX_CONTENT_LENGTH": settings.max_upload_bytes + 256 * 1024,
        "RESTX_JSON": {"ensure_ascii": False},
        "RESTX_ERROR_404_HELP": False,
        "COMPRESS_MIMETYPES": ["application/json", "application/problem+json", "text/html"],
    } | extra
