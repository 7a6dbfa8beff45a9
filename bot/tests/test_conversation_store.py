"""The tracker store keeps conversations without the delegated token, and they survive a new store."""

import asyncio
import json
import sqlite3

import rasa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from conversation_store import RASA_VERSION, ConversationStore, rasa_url, without_secrets

SECRET = "eyJ.secret.token"


def test_written_for_this_rasa_release():
    assert rasa.__version__ == RASA_VERSION


def test_the_api_driver_name_becomes_psycopg2_for_rasa():
    assert rasa_url("postgresql+psycopg://u@h/db?options=-csearch_path%3Drasa") == \
        "postgresql+psycopg2://u@h/db?options=-csearch_path%3Drasa"
    assert rasa_url("sqlite:////tmp/c.db") == "sqlite:////tmp/c.db"


def test_tokens_are_removed_from_metadata_only():
    event = {"event": "user", "text": "token", "metadata": {"token": SECRET, "language": "zh"},
             "parse_data": {"metadata": {"token": SECRET}, "entities": [{"entity": "token", "value": "x"}]}}
    cleaned = without_secrets(event)
    assert SECRET not in json.dumps(cleaned)
    assert cleaned["text"] == "token" and cleaned["metadata"] == {"language": "zh"}
    assert cleaned["parse_data"]["entities"] == [{"entity": "token", "value": "x"}]
    assert event["metadata"]["token"] == SECRET  # the running conversation keeps it


def test_a_conversation_is_stored_without_the_token_and_read_back_by_a_new_store(tmp_path):
    domain = Domain.load("domain")
    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    metadata = {"token": SECRET, "language": "zh", "conversation_id": "c-12345678"}
    tracker = DialogueStateTracker.from_events("user-7-c-12345678", [
        ActionExecuted("action_session_start"), SessionStarted(metadata=metadata),
        SlotSet("session_started_metadata", metadata), ActionExecuted("action_listen"),
        UserUttered("我要办理就业登记", {"name": "apply_service", "confidence": 0.9}, metadata=metadata),
        SlotSet("service", "YW-RSJ-001"),
    ], slots=domain.slots)

    asyncio.run(ConversationStore(domain=domain, host=url).save(tracker))

    rows = [row[0] for row in sqlite3.connect(tmp_path / "conversations.db").execute("SELECT data FROM events")]
    assert rows and not any(SECRET in row for row in rows)
    restored = asyncio.run(ConversationStore(domain=domain, host=url).retrieve("user-7-c-12345678"))
    assert restored.get_slot("service") == "YW-RSJ-001"
    assert restored.latest_message.metadata == {"language": "zh", "conversation_id": "c-12345678"}
    assert tracker.latest_message.metadata["token"] == SECRET
