"""The languages people read (Chinese first, English second) and bilingual ``{"zh": …, "en": …}`` texts."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"


def localize(value: Any, language: str) -> Any:
    """Resolve every ``{"zh": …, "en": …}`` text in ``value`` to ``language`` (Chinese as the fallback)."""
    if isinstance(value, dict):
        if value and set(value) <= set(LANGUAGES):
            return value.get(language) or value.get(DEFAULT_LANGUAGE) or value.get("en")
        return {key: localize(item, language) for key, item in value.items()}
    if isinstance(value, list):
        return [localize(item, language) for item in value]
    return value
