"""What an action needs to know about the conversation: language, the user's token, the latest message."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.backend import YiwangApi
from actions.messages import DEFAULT_LANGUAGE, LANGUAGES


def language_of(tracker: Tracker) -> str:
    language = tracker.get_slot("language")
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def metadata_of(tracker: Tracker) -> dict[str, Any]:
    return (tracker.latest_message or {}).get("metadata") or {}


def token_of(tracker: Tracker) -> str | None:
    """The short-lived delegated token the backend puts in each signed-in user's message metadata."""
    token = metadata_of(tracker).get("token")
    return token if isinstance(token, str) and token else None


def api_for(tracker: Tracker) -> YiwangApi:
    return YiwangApi(language_of(tracker), token_of(tracker))


def latest_text(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("text") or "").strip()


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_entity_values(tracker: Tracker, entity: str) -> list[str]:
    return [str(e["value"]) for e in (tracker.latest_message or {}).get("entities") or [] if e.get("entity") == entity]
