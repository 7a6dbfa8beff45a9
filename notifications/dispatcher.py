"""The dispatcher (推送调度): claims due deliveries, sends them, records what FCM answered.

Claims are atomic: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several workers take disjoint
batches; on SQLite the writer sessions' ``BEGIN IMMEDIATE`` serialises claimers. A claim stamps the
rows with a fresh token and a lease start, and a result is written only while the row still carries
that token and is ``sending``, so two workers never both record (or re-send) the same delivery. A
delivery whose worker died stays ``sending`` until its lease expires; ``recover_stuck`` then hands it
back for another attempt (FCM may then see it twice: the collapse key makes the phone show it once).

Outcomes: SENT → sent; UNREGISTERED / INVALID_TOKEN → failed, the device is deactivated and nothing
more is sent to it; RETRY → retrying after an exponential backoff with jitter, never sooner than
FCM's Retry-After, until ``max_attempts``; FAILED → failed. A push still unsent when its TTL runs out
(a long outage, a dispatcher that was off) fails as expired; a late one gets only the rest of its TTL.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, case, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from models.base import utcnow
from models.db import transactional
from models.notification import (
    OPEN_DELIVERY_STATUSES,
    Delivery,
    DeliveryStatus,
    Device,
    deactivate_devices,
)
from models.settings import Settings
from notifications.fcm_adapter import SEND_EACH_LIMIT
from notifications.senders import Outcome, PushMessage, Sender, SendResult, TokenKind, TopicResult

log = logging.getLogger(__name__)

_OPEN = [s.value for s in OPEN_DELIVERY_STATUSES]
_SENDING = DeliveryStatus.SENDING.value
_DEACTIVATING = {Outcome.UNREGISTERED, Outcome.INVALID_TOKEN}
_DEAD_TOPIC_REASONS = {"UNREGISTERED", "INVALID_ARGUMENT"}


@dataclass(frozen=True)
class RetryPolicy:
    """When to try again: ``backoff_base`` × 2^(attempt−1) capped at ``backoff_max``, half of it random."""

    max_attempts: int = Settings.NOTIFY_MAX_ATTEMPTS
    backoff_base: float = Settings.NOTIFY_BACKOFF_BASE  # FCM asks for at least 10 s before retrying
    backoff_max: float = Settings.NOTIFY_BACKOFF_MAX

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(settings.NOTIFY_MAX_ATTEMPTS, settings.NOTIFY_BACKOFF_BASE, settings.NOTIFY_BACKOFF_MAX)

    def delay(self, attempts: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds before the next attempt after ``attempts`` failed ones; jitter spreads a recovering crowd."""
        backoff = min(self.backoff_max, self.backoff_base * 2 ** max(0, attempts - 1))
        delay = backoff / 2 + rng.random() * backoff / 2
        if retry_after is not None:
            delay = max(delay, retry_after + rng.random() * min(retry_after, self.backoff_base) / 10)
        return delay


@dataclass(frozen=True)
class _Claimed:
    id: int
    attempts: int
    device_id: int | None
    message: PushMessage | None
    skipped: str | None = None  # why nothing is sent: the device is gone or inactive, or the push expired


def worker_name() -> str:
    """This process, as recorded in ``claimed_by`` (with a per-claim suffix)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}"


class Dispatcher:
    """Sends due deliveries in batches; safe to run in several threads and processes at once."""

    def __init__(self, sessions: sessionmaker[Session], sender: Sender, *, policy: RetryPolicy | None = None,
                 batch_size: int = Settings.NOTIFY_BATCH_SIZE, lease_seconds: float = Settings.NOTIFY_LEASE_SECONDS,
                 clock: Callable[[], dt.datetime] = utcnow, rng: random.Random | None = None) -> None:
        if not 1 <= batch_size <= SEND_EACH_LIMIT:
            raise ValueError(f"batch_size must be within 1..{SEND_EACH_LIMIT}")
        self.sessions, self.sender = sessions, sender
        self.policy = policy or RetryPolicy()
        self.batch_size, self.lease = batch_size, dt.timedelta(seconds=lease_seconds)
        self.clock, self.rng = clock, rng or random.Random()

    @classmethod
    def from_settings(cls, sessions: sessionmaker[Session], sender: Sender, settings: Settings,
                      **kwargs: Any) -> Dispatcher:
        return cls(sessions, sender, policy=RetryPolicy.from_settings(settings),
                   batch_size=settings.NOTIFY_BATCH_SIZE, lease_seconds=settings.NOTIFY_LEASE_SECONDS, **kwargs)

    # -- sending -----------------------------------------------------------------------------------
    def run_once(self) -> int:
        """Claim one batch of due deliveries, send it and record the outcomes; returns how many were claimed."""
        token = f"{worker_name()}:{uuid.uuid4().hex[:12]}"
        claimed = self._claim(token)
        if not claimed:
            return 0
        to_send = [c for c in claimed if c.message is not None]
        try:
            results = self.sender.send_batch([c.message for c in to_send]) if to_send else []
        except Exception as error:  # a sender bug or an unexpected transport error: try again later
            log.exception("sending %d pushes failed", len(to_send))
            results = [SendResult(Outcome.RETRY, error=f"{type(error).__name__}: {error}")] * len(to_send)
        outcomes = dict(zip((c.id for c in to_send), results, strict=True))
        self._record(token, [(c, outcomes.get(c.id) or SendResult(Outcome.FAILED, error=c.skipped)) for c in claimed])
        return len(claimed)

    def drain(self, max_seconds: float | None = None) -> int:
        """Send until nothing is due (or ``max_seconds`` have passed); returns how many were claimed."""
        started, total = time.monotonic(), 0
        while max_seconds is None or time.monotonic() - started < max_seconds:
            claimed = self.run_once()
            total += claimed
            if claimed == 0:
                break
        return total

    def _claim(self, token: str) -> list[_Claimed]:
        now = self.clock()
        with self.sessions() as session, session.begin():
            due = (select(Delivery.id)
                   .where(Delivery.status.in_(_OPEN), Delivery.next_attempt_at <= now)
                   .order_by(Delivery.next_attempt_at, Delivery.id)
                   .limit(self.batch_size)
                   .with_for_update(skip_locked=True))
            ids = session.scalars(
                update(Delivery).where(Delivery.id.in_(due.scalar_subquery()))
                .values(status=_SENDING, claimed_by=token, claimed_at=now, attempts=Delivery.attempts + 1)
                .returning(Delivery.id).execution_options(synchronize_session=False)
            ).all()
            if not ids:
                return []
            rows = session.execute(
                select(Delivery.id, Delivery.attempts, Delivery.device_id, Delivery.notification_id, Delivery.topic,
                       Delivery.title, Delivery.body, Delivery.data, Delivery.collapse_key, Delivery.ttl_seconds,
                       Delivery.urgent, Delivery.created_at, Device.token, Device.token_kind, Device.platform,
                       Device.active)
                .outerjoin(Device, Device.id == Delivery.device_id).where(Delivery.id.in_(ids))
                .order_by(Delivery.id)
            ).all()
        return [_claimed(row, now) for row in rows]

    def _record(self, token: str, results: Sequence[tuple[_Claimed, SendResult]]) -> None:
        now = self.clock()
        updates, dead_devices = [], {}
        for claimed, result in results:
            status, next_attempt, error = DeliveryStatus.FAILED, now, result.error
            if result.outcome is Outcome.SENT:
                status, error = DeliveryStatus.SENT, None
            elif result.outcome is Outcome.RETRY and claimed.attempts < self.policy.max_attempts:
                status = DeliveryStatus.RETRYING
                next_attempt = now + dt.timedelta(seconds=self.policy.delay(claimed.attempts, result.retry_after,
                                                                             self.rng))
            elif result.outcome in _DEACTIVATING and claimed.device_id is not None:
                dead_devices[claimed.device_id] = f"{result.outcome.value}: {result.error or ''}"
            updates.append({"b_id": claimed.id, "b_status": status.value, "b_next": next_attempt,
                            "b_error": error[:2000] if error else None, "b_message_id": result.message_id,
                            "b_sent_at": now if status is DeliveryStatus.SENT else None})
        table = Delivery.__table__
        statement = (update(table)
                     .where(table.c.id == bindparam("b_id"), table.c.claimed_by == token, table.c.status == _SENDING)
                     .values(status=bindparam("b_status"), next_attempt_at=bindparam("b_next"),
                             last_error=bindparam("b_error"), message_id=bindparam("b_message_id"),
                             sent_at=bindparam("b_sent_at")))
        with self.sessions() as session, session.begin():
            recorded = session.connection().execute(statement, updates).rowcount
            if dead_devices:
                deactivate_devices(session, dead_devices)
        if recorded not in (-1, len(updates)):
            log.warning("%d of %d results not recorded: their claim %s had expired", len(updates) - recorded,
                        len(updates), token)

    # -- housekeeping ------------------------------------------------------------------------------
    def recover_stuck(self) -> int:
        """Hand deliveries whose worker stopped (lease expired while ``sending``) back for another attempt."""
        now = self.clock()
        exhausted = Delivery.attempts >= self.policy.max_attempts
        with self.sessions() as session, session.begin():
            result = session.execute(
                update(Delivery).where(Delivery.status == _SENDING, Delivery.claimed_at < now - self.lease)
                .values(status=case((exhausted, DeliveryStatus.FAILED.value), else_=DeliveryStatus.RETRYING.value),
                        next_attempt_at=now, last_error="the worker sending it stopped before recording the result")
                .execution_options(synchronize_session=False))
        if result.rowcount:
            log.warning("recovered %d deliveries stuck in sending", result.rowcount)
        return result.rowcount

    def sync_topics(self, limit: int = 1000) -> int:
        """Bring active devices' FCM topic subscriptions in line with their region; returns devices synced."""
        with self.sessions() as session:
            devices = session.scalars(select(Device).where(Device.active.is_(True), _topic_out_of_sync())
                                      .order_by(Device.id).limit(limit)).all()
            return sync_device_topics(session, self.sender, devices)


def _topic_out_of_sync():
    return or_(and_(Device.topic.is_(None), Device.subscribed_topic.is_not(None)),
               and_(Device.topic.is_not(None), or_(Device.subscribed_topic.is_(None),
                                                   Device.topic != Device.subscribed_topic)))


@transactional
def sync_device_topics(session: Session, sender: Sender, devices: Sequence[Device]) -> int:
    """Unsubscribe ``devices`` from their old region topic and subscribe them to the new one (in ``session``).

    A device whose subscription FCM refused for a transient reason stays out of sync for the next
    sweep; one whose token FCM does not know is deactivated.
    """
    leaving, joining = defaultdict(list), defaultdict(list)
    for device in devices:
        if device.subscribed_topic and device.subscribed_topic != device.topic:
            leaving[device.subscribed_topic].append(device)
        if device.topic and device.topic != device.subscribed_topic:
            joining[device.topic].append(device)
    synced, dead = set(), {}
    for topic, members in leaving.items():
        for device, result in zip(members, _manage(sender.unsubscribe, [d.token for d in members], topic), strict=True):
            if result.ok:
                device.subscribed_topic = None
                synced.add(device.id)
    for topic, members in joining.items():
        for device, result in zip(members, _manage(sender.subscribe, [d.token for d in members], topic), strict=True):
            if result.ok:
                device.subscribed_topic = topic
                synced.add(device.id)
            elif result.error in _DEAD_TOPIC_REASONS:
                dead[device.id] = f"topic subscription refused: {result.error}"
            else:
                log.warning("subscribing a device to %s failed: %s", topic, result.error)
    session.flush()
    if dead:
        deactivate_devices(session, dead)
    return len(synced)


def _manage(operation: Callable[[list[str], str], list[TopicResult]], tokens: list[str],
            topic: str) -> list[TopicResult]:
    try:
        return operation(tokens, topic)
    except Exception as error:  # FCM unreachable: nothing changed, the next sweep tries again
        log.warning("topic %s: %s for %d devices failed: %s", topic, operation.__name__, len(tokens), error)
        return [TopicResult(token, ok=False, error=type(error).__name__) for token in tokens]


def leave_topic(sender: Sender, token: str, topic: str | None) -> None:
    """Unsubscribe a removed device's token from its topic, as well as FCM can be reached now."""
    if topic:
        _manage(sender.unsubscribe, [token], topic)


def _claimed(row: Any, now: dt.datetime) -> _Claimed:
    """What to send for a claimed row; nothing once its TTL has passed (after a long outage it is noise)."""
    ttl = None
    if row.ttl_seconds is not None:  # FCM counts the TTL from the send: give it only what is left
        ttl = int(row.ttl_seconds - (now - row.created_at).total_seconds())
        if ttl <= 0:
            return _Claimed(row.id, row.attempts, row.device_id, None, "expired before it could be sent")
    message = _message(row, min(ttl, row.ttl_seconds) if ttl is not None else None)
    if message is None:
        return _Claimed(row.id, row.attempts, row.device_id, None, "the device was removed or deactivated")
    return _Claimed(row.id, row.attempts, row.device_id, message)


def _message(row: Any, ttl_seconds: int | None) -> PushMessage | None:
    data = dict(row.data or {})
    if row.notification_id is not None:
        data["notification_id"] = str(row.notification_id)
    common = {"title": row.title, "body": row.body, "data": data, "collapse_key": row.collapse_key,
              "ttl_seconds": ttl_seconds, "urgent": row.urgent}
    if row.topic is not None:
        return PushMessage(token=None, topic=row.topic, **common)
    if row.token is None or not row.active:
        return None
    return PushMessage(token=row.token, token_kind=TokenKind(row.token_kind), platform=row.platform, **common)
