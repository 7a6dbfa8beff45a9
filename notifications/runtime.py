"""Running the dispatcher inside the API process (``DISPATCHER=embedded``) or handing off to Celery.

``init_app(app)`` gives the Flask app its push sender (``app.extensions["yiwang.sender"]``) and, by
``DISPATCHER``: ``embedded`` (the default, ``off`` when ``APP_ENV=test``) runs an
``EmbeddedDispatcher`` thread per process, woken right after each commit that queued deliveries and
polling every ``NOTIFY_POLL_SECONDS`` for retries and for work committed by other processes (gunicorn
workers each run one; their claims never overlap); ``celery`` wakes the Celery workers with a
``notifications.deliver_due`` task after such commits; ``off`` sends nothing.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from models.assistant.conversations import purge_old_conversations
from models.base import utcnow
from models.cases.deadlines import WorkingCalendar
from models.settings import Settings
from notifications import outbox
from notifications.deadlines import scan_deadlines
from notifications.dispatcher import Dispatcher
from notifications.senders import build_sender

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0  # stuck deliveries and topic subscriptions


class EmbeddedDispatcher:
    """A daemon thread that sends deliveries, sweeps stuck ones and runs the daily deadline scan."""

    def __init__(self, dispatcher: Dispatcher, *, poll_seconds: float = Settings.NOTIFY_POLL_SECONDS, sweep_seconds: float = SWEEP_SECONDS,
                 calendar: WorkingCalendar | None = None, scan_at: dt.time | None = None,
                 daily_tasks: tuple[Callable[[], object], ...] = ()) -> None:
        self.dispatcher = dispatcher
        self.daily_tasks = daily_tasks  # run once a day with the deadline scan (e.g. conversation retention)
        self.poll_seconds, self.sweep_seconds = poll_seconds, sweep_seconds
        self.calendar, self.scan_at = calendar, scan_at
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._scanned_on: dt.date | None = None

    @property
    def running(self) -> bool:
        return self._pid == os.getpid() and self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread in this process (again after a fork: threads do not survive one)."""
        with self._lock:
            if self.running:
                return
            self._stop.clear()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="notify-dispatcher", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self.running:
            self._thread.join(timeout)

    def _run(self) -> None:
        next_sweep = 0.0
        while not self._stop.is_set():
            self._wake.clear()  # a commit from here on sets it again and skips the wait below
            try:
                if time.monotonic() >= next_sweep:
                    self._sweep()
                    next_sweep = time.monotonic() + self.sweep_seconds
                claimed = self.dispatcher.run_once()
            except Exception:  # e.g. the database restarting: keep the thread alive and try again
                log.exception("notification dispatcher iteration failed")
                claimed = 0
            if not claimed:
                self._wake.wait(self.poll_seconds)

    def _sweep(self) -> None:
        self.dispatcher.recover_stuck()
        self.dispatcher.sync_topics()
        if self.calendar is not None and self.scan_at is not None:
            local_now = utcnow().astimezone(self.calendar.tz)
            if local_now.time() >= self.scan_at and self._scanned_on != local_now.date():
                with self.dispatcher.sessions() as session:
                    report = scan_deadlines(session, self.calendar, local_now.date())
                log.info("deadline scan: %s", report)
                self._scanned_on = local_now.date()
                for task in self.daily_tasks:
                    try:
                        log.info("daily task %s: %s", getattr(task, "__name__", task), task())
                    except Exception:  # one failing task must not stop the others or the dispatcher
                        log.exception("daily task failed")


def init_app(app: Any) -> None:
    """Set up notifications for a Flask app (only its ``extensions`` and hooks are used)."""
    settings: Settings = app.extensions["yiwang.settings"]
    sender = build_sender(settings)
    app.extensions["yiwang.sender"] = sender
    mode = settings.dispatcher_mode
    if mode == "embedded":
        dispatcher = Dispatcher.from_settings(app.extensions["yiwang.writer_sessions"], sender, settings)
        embedded = EmbeddedDispatcher(dispatcher, poll_seconds=settings.NOTIFY_POLL_SECONDS,
                                      calendar=app.extensions["yiwang.calendar"], scan_at=settings.DEADLINE_SCAN_AT,
                                      daily_tasks=(partial(purge_old_conversations, settings),))
        app.extensions["yiwang.dispatcher"] = embedded
        outbox.add_wake_hook(embedded.wake)
        atexit.register(embedded.stop)
        if not os.environ.get("FLASK_RUN_FROM_CLI"):  # `flask db upgrade` and friends need no dispatcher
            embedded.start()
        app.before_request(embedded.start)  # a forked or `flask run` process starts its own on first use
    elif mode == "celery":
        from notifications.worker import wake_workers

        outbox.add_wake_hook(wake_workers)
