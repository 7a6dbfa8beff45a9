"""Stored conversations (会话留存): Rasa's SQL tracker store, and deleting conversations past retention.

Rasa keeps each conversation as rows of its ``events`` table (sender_id, timestamp as Unix seconds, the
event as JSON), in its own SQLite file locally or its own schema of the project's PostgreSQL database
(``TRACKER_STORE_URL``), so it never mixes with the tables the migrations own. A conversation is deleted
whole once its latest event is older than the retention period.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, func, inspect, select
from sqlalchemy.engine import Engine

from models.base import utcnow
from models.db import make_engine
from models.settings import Settings

_metadata = MetaData()
# Rasa 3.6's SQLTrackerStore.SQLEvent, the columns the deletion needs (Rasa creates and owns the table).
events = Table(
    "events", _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("data", Text),
)


def purge_conversations(engine: Engine, *, older_than: dt.datetime) -> int:
    """Delete every conversation whose latest event is before ``older_than``; the number deleted.

    Nothing to do (0) when Rasa has not created its table yet.
    """
    if not inspect(engine).has_table("events"):
        return 0
    cutoff = older_than.timestamp()
    with engine.begin() as connection:
        stale = select(events.c.sender_id).group_by(events.c.sender_id).having(func.max(events.c.timestamp) < cutoff)
        senders = [row[0] for row in connection.execute(stale)]
        for start in range(0, len(senders), 500):
            connection.execute(delete(events).where(events.c.sender_id.in_(senders[start : start + 500])))
    return len(senders)


def purge_stored_conversations(url: str, *, days: int, now: dt.datetime) -> int:
    """``purge_conversations`` on the tracker store at ``url``: those quiet for more than ``days`` days."""
    engine = make_engine(url)
    try:
        return purge_conversations(engine, older_than=now - dt.timedelta(days=days))
    finally:
        engine.dispose()


def purge_old_conversations(settings: Settings, *, days: int | None = None) -> int:
    """The conversations past retention (``CONVERSATION_RETENTION_DAYS`` unless ``days``) in the tracker store
    (``TRACKER_STORE_URL``): run daily by the embedded scheduler, Celery beat, or the CLI."""
    return purge_stored_conversations(settings.TRACKER_STORE_URL, days=days or settings.CONVERSATION_RETENTION_DAYS,
                                      now=utcnow())
