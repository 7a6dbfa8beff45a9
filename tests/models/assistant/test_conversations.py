"""Retention of the assistant's stored conversations: whole conversations past the period are deleted."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import create_engine, insert, select, text

from models.assistant.conversations import events, purge_conversations, purge_stored_conversations
from notifications.dispatcher import Dispatcher
from notifications.runtime import EmbeddedDispatcher

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def store(tmp_path):
    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    engine = create_engine(url)
    events.metadata.create_all(engine)
    return url, engine


def add(engine, sender, days_ago):
    stamp = (NOW - dt.timedelta(days=days_ago)).timestamp()
    with engine.begin() as connection:
        connection.execute(insert(events).values(sender_id=sender, type_name="user", timestamp=stamp,
                                                 data=json.dumps({"event": "user"})))


def senders(engine):
    with engine.connect() as connection:
        return sorted({row[0] for row in connection.execute(select(events.c.sender_id))})


def test_conversations_whose_last_event_is_past_retention_are_deleted_whole(tmp_path):
    url, engine = store(tmp_path)
    add(engine, "old", 120)
    add(engine, "old", 95)
    add(engine, "continued", 200)
    add(engine, "continued", 10)  # an old start but still in use: kept whole
    add(engine, "recent", 1)

    assert purge_stored_conversations(url, days=90, now=NOW) == 1
    assert senders(engine) == ["continued", "recent"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM events WHERE sender_id='continued'")).scalar() == 2


def test_nothing_to_purge_before_rasa_created_its_table(tmp_path):
    assert purge_conversations(create_engine(f"sqlite:///{tmp_path / 'empty.db'}"), older_than=NOW) == 0


def test_the_embedded_scheduler_runs_daily_tasks_once_a_day_with_the_deadline_scan(app, session):
    ran = []
    dispatcher = Dispatcher.from_settings(app.extensions["yiwang.writer_sessions"], app.extensions["yiwang.sender"],
                                          app.extensions["yiwang.settings"])
    scheduler = EmbeddedDispatcher(dispatcher, calendar=app.extensions["yiwang.calendar"],
                                   scan_at=dt.time(0, 0), daily_tasks=(lambda: ran.append(1) or 1,))
    scheduler._sweep()
    scheduler._sweep()
    assert ran == [1]


def test_the_cli_purges_with_the_configured_retention(app, tmp_path):
    url, engine = store(tmp_path)
    add(engine, "ancient", 400)
    saved = app.extensions["yiwang.settings"]
    app.extensions["yiwang.settings"] = saved.replace(TRACKER_STORE_URL=url)
    try:
        result = app.test_cli_runner().invoke(args=["assistant", "purge-conversations"])
    finally:
        app.extensions["yiwang.settings"] = saved
    assert result.exit_code == 0 and "1 conversations older than 90 days deleted" in result.output
    assert senders(engine) == []
