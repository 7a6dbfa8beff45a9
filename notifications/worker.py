"""Celery workers for notifications (``DISPATCHER=celery``), on Redis.

    celery -A notifications.worker worker --concurrency 1      # as many as the load needs
    celery -A notifications.worker beat                         # exactly one

Tasks: ``notifications.deliver_due`` sends everything due (the API queues one after each commit that
queued deliveries; beat every ``NOTIFY_POLL_SECONDS`` × 5 for retries); ``notifications.recover_stuck_deliveries``
and ``notifications.sync_topic_subscriptions`` every minute; ``notifications.scan_deadlines`` daily at
``DEADLINE_SCAN_AT`` local time. Several workers share the load: claims use ``FOR UPDATE SKIP LOCKED``.
Settings come from the same environment variables as the API (``models.settings``); the worker never
imports the HTTP app (``api``).
"""

from __future__ import annotations

import os
import time
from functools import cache
from typing import Any

from celery import Celery
from celery.schedules import crontab

from models.assistant.conversations import purge_old_conversations
from models.base import utcnow
from models.cases.deadlines import WorkingCalendar
from models.db import make_engine, make_session_factory, writer
from models.settings import load_settings
from notifications import outbox  # noqa: F401  (installs the outbox on this process's sessions)
from notifications.deadlines import scan_deadlines
from notifications.dispatcher import Dispatcher
from notifications.senders import build_sender

DRAIN_SECONDS = 60.0  # one task's share of the queue before it hands over to a fresh task

settings = load_settings()
_scan_at = settings.DEADLINE_SCAN_AT
celery_app = Celery("yiwang")
celery_app.conf.update(
    broker_url=settings.CELERY_BROKER_URL,
    broker_connection_retry_on_startup=True,
    task_default_queue=settings.CELERY_QUEUE,
    task_ignore_result=True,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
    timezone=settings.TIMEZONE,
    beat_schedule={
        "deliver-due": {"task": "notifications.deliver_due", "schedule": max(1.0, settings.NOTIFY_POLL_SECONDS * 5)},
        "recover-stuck-deliveries": {"task": "notifications.recover_stuck_deliveries", "schedule": 60.0},
        "sync-topic-subscriptions": {"task": "notifications.sync_topic_subscriptions", "schedule": 60.0},
        "scan-deadlines": {"task": "notifications.scan_deadlines",
                           "schedule": crontab(hour=_scan_at.hour, minute=_scan_at.minute)},
        # The assistant's conversations past retention (docs/assistant-quality.md), nightly.
        "purge-conversations": {"task": "assistant.purge_conversations", "schedule": crontab(hour=3, minute=30)},
    },
)
app = celery_app  # `celery -A notifications.worker` finds it


@cache
def _runtime(pid: int) -> dict[str, Any]:
    """This process's engine, sender and dispatcher, built after the fork that made the process."""
    engine = make_engine(settings.DATABASE_URL)
    sessions = make_session_factory(writer(engine))
    sender = build_sender(settings)
    return {"sessions": sessions, "dispatcher": Dispatcher.from_settings(sessions, sender, settings),
            "calendar": WorkingCalendar(settings.TIMEZONE)}


def runtime() -> dict[str, Any]:
    return _runtime(os.getpid())


@celery_app.task(name="notifications.deliver_due")
def deliver_due() -> int:
    started = time.monotonic()
    claimed = runtime()["dispatcher"].drain(max_seconds=DRAIN_SECONDS)
    if time.monotonic() - started >= DRAIN_SECONDS:  # work left: a fresh task continues, others get a turn
        deliver_due.delay()
    return claimed


@celery_app.task(name="notifications.recover_stuck_deliveries")
def recover_stuck_deliveries() -> int:
    recovered = runtime()["dispatcher"].recover_stuck()
    if recovered:
        deliver_due.delay()
    return recovered


@celery_app.task(name="notifications.sync_topic_subscriptions")
def sync_topic_subscriptions() -> int:
    return runtime()["dispatcher"].sync_topics()


@celery_app.task(name="notifications.scan_deadlines")
def scan_deadlines_task() -> dict[str, int]:
    parts = runtime()
    calendar = parts["calendar"]
    with parts["sessions"]() as session:
        report = scan_deadlines(session, calendar, calendar.local_date(utcnow()))
    return report.__dict__


@celery_app.task(name="assistant.purge_conversations")
def purge_conversations_task() -> int:
    return purge_old_conversations(settings)


def wake_workers() -> None:
    """Queue a delivery run now (called after commits that queued deliveries); never waits for Redis."""
    deliver_due.apply_async(retry=False)
