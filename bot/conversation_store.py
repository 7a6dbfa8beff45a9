"""Rasa's SQL tracker store, without the user's delegated token (会话存储).

Each signed-in user's message carries a short-lived token in its metadata so that the actions can call
the API on the user's behalf (bot/README.md). Rasa would store that metadata with every event (the user
message, its parse data, the session start and the ``session_started_metadata`` slot); this store drops
the token from each event before it is written, so conversations kept for the retention period never
hold a credential. The running conversation is not changed: actions of the current turn still see it.

Configured in the endpoints file:

    tracker_store:
      type: conversation_store.ConversationStore
      url: ${TRACKER_STORE_URL}     # sqlite:///…/conversations.db or postgresql+psycopg://…?options=-csearch_path%3Drasa

A PostgreSQL URL may name the API's driver (``postgresql+psycopg``): Rasa's SQLAlchemy 1.4 uses psycopg2,
so the driver is swapped. A ``search_path`` option names the schema Rasa's ``events`` table lives in (kept
apart from the tables the API's migrations own); it is created when missing.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

# The Rasa release whose SQLTrackerStore.save this mirrors; tests/test_conversation_store.py fails on another.
RASA_VERSION = "3.6.21"
SECRET_KEYS = frozenset({"token"})
_SCHEMA = re.compile(r"-csearch_path=([A-Za-z_][A-Za-z0-9_]*)")


def without_secrets(event: dict[str, Any]) -> dict[str, Any]:
    """The event as stored: ``token`` removed from every metadata dict in it (a copy; the event is unchanged)."""
    return _clean(event, inside_metadata=False)


def _clean(value: Any, inside_metadata: bool) -> Any:
    if isinstance(value, dict):
        return {key: _clean(item, inside_metadata or key in ("metadata", "value"))
                for key, item in value.items() if not (inside_metadata and key in SECRET_KEYS)}
    if isinstance(value, list):
        return [_clean(item, inside_metadata) for item in value]
    return value


def rasa_url(url: str) -> str:
    """The URL for Rasa's SQLAlchemy 1.4: the API's psycopg 3 driver name becomes psycopg2."""
    return re.sub(r"^postgresql\+psycopg(?=://)", "postgresql+psycopg2", url)


def ensure_schema(url: str) -> None:
    """Create the PostgreSQL schema named by the URL's search_path option, if there is one."""
    if not url.startswith("postgresql"):
        return
    options = " ".join(parse_qs(urlsplit(url).query).get("options", []))
    match = _SCHEMA.search(options)
    if not match:
        return
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{match.group(1)}"'))
    finally:
        engine.dispose()


class ConversationStore(SQLTrackerStore):
    def __init__(self, domain=None, host: str | None = None, **kwargs: Any) -> None:
        url = rasa_url(host or kwargs.pop("url", None) or "sqlite:///conversations.db")
        ensure_schema(url)
        super().__init__(domain=domain, host=url, **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """SQLTrackerStore.save of Rasa 3.6.21, writing each event without its secrets."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = without_secrets(event.as_dict())
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
            session.commit()
