"""Tracker fixtures for action tests: a conversation state as the Rasa server sends it to actions."""

from __future__ import annotations

import asyncio
import inspect
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import responses
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

BOT_DIR = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(BOT_DIR))

API = "http://api.test/api/v1"


def make_tracker(
    text: str = "",
    intent: str | None = None,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9} if intent else {},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    user_event = {"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}}
    return Tracker(
        sender_id="user-1",
        slots={"language": "zh", **(slots or {})},
        latest_message=latest,
        events=[*(events or []), user_event],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def service_entity(value: str, text: str | None = None) -> dict[str, Any]:
    return {"entity": "service", "value": value, "start": 0, "end": len(text or value), "extractor": "RegexEntityExtractor"}


def load_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def api(monkeypatch):
    """The Yiwang API, mocked at the HTTP boundary; unmatched requests fail the test."""
    monkeypatch.setenv("YIWANG_API_URL", API)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def guide_zh() -> dict[str, Any]:
    return load_fixture("guide_YW-SCJG-001_zh.json")


@pytest.fixture
def guide_en() -> dict[str, Any]:
    return load_fixture("guide_YW-SCJG-001_en.json")


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [message["text"] for message in dispatcher.messages]


def resolve(result: Any) -> Any:
    """The value of an action method as the action server gets it: awaited when it is a coroutine."""
    return asyncio.run(result) if inspect.isawaitable(result) else result


def run_action(action: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> Any:
    """Run an action the way rasa_sdk's executor does (awaiting ``run`` when it is asynchronous)."""
    return resolve(action.run(dispatcher, tracker, domain))
