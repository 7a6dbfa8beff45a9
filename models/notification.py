"""Notifications (消息通知): devices that receive pushes, the inbox, deliveries and region broadcasts.

A ``Notification`` is one inbox row for one user; each of the user's active devices gets a
``Delivery`` of it, texted in the device's language. A ``Broadcast`` (应急广播) is an admin's notice
to a region, delivered as FCM topic messages (one ``Delivery`` per topic). Deliveries move
pending → sending → sent | retrying | failed; ``notifications.dispatcher`` moves them.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.accounts.user import User
from models.base import Base, JSONType, UTCDateTime, utcnow
from models.db import transactional
from models.errors import N_, NotFound

PLATFORMS = ("android", "ios", "web")
TOKEN_KINDS = ("fcm_token", "fid")


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first attempt
    SENDING = "sending"  # claimed by a worker (``claimed_by``) since ``claimed_at``
    SENT = "sent"  # FCM accepted it
    RETRYING = "retrying"  # a transient failure; next try at ``next_attempt_at``
    FAILED = "failed"  # given up: permanent error, dead token or too many attempts


OPEN_DELIVERY_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class Device(Base):
    """An app installation that receives pushes (推送设备): its FCM registration token and preferences.

    A device FCM rejected stays listed with ``active`` false until its owner registers a new token.
    ``topic`` is the broadcast topic it should be subscribed to; ``subscribed_topic`` the one FCM confirmed.
    """

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(512), unique=True)
    token_kind: Mapped[str] = mapped_column(String(16), default="fcm_token")
    platform: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    app_version: Mapped[str] = mapped_column(String(32), default="")
    region: Mapped[str | None] = mapped_column(String(12))
    topic: Mapped[str | None] = mapped_column(String(64))
    subscribed_topic: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_reason: Mapped[str | None] = mapped_column(String(200))
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()


class Notification(Base):
    """One message in a user's inbox (消息中心), in the user's language; the push is only a copy of it.

    ``dedupe_key`` makes a periodic warning (e.g. a deadline) at most one row per key.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    case_no: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Broadcast(Base):
    """An emergency notice (应急广播) from an admin to everyone in a region, in Chinese and English."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_created", "created_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(12), index=True)
    title: Mapped[dict] = mapped_column(JSONType)
    body: Mapped[dict] = mapped_column(JSONType)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    deliveries: Mapped[list[Delivery]] = relationship(back_populates="broadcast", order_by="Delivery.id")


class Delivery(Base):
    """One push of a notification to one device, or of a broadcast to one topic, with its texts.

    ``claimed_by`` is the claim token of the worker sending it; a result is recorded only while the
    row still carries that token, so a worker whose lease expired cannot overwrite a newer attempt.
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"),
                                                        index=True)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"), index=True)
    topic: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    collapse_key: Mapped[str | None] = mapped_column(String(64))
    ttl_seconds: Mapped[int | None] = mapped_column(Integer)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    device: Mapped[Device | None] = relationship()
    notification: Mapped[Notification | None] = relationship()
    broadcast: Mapped[Broadcast | None] = relationship(back_populates="deliveries")


def region_topic(region: str, language: str) -> str:
    """The FCM topic of a region's broadcasts in one language: ``region-<code>`` (Chinese), ``region-<code>-en``."""
    return f"region-{region}" if language == "zh" else f"region-{region}-{language}"


@transactional
def register_device(session: Session, user: User, *, token: str, platform: str, language: str,
                    token_kind: str = "fcm_token", app_version: str | None = None, region: str | None = None,
                    now: dt.datetime | None = None, max_active: int | None = None) -> tuple[Device, bool]:
    """Register or refresh ``token`` for ``user``; returns (device, created).

    A token registered by another account moves to this one (shared phones) and its undelivered
    pushes for the former owner are cancelled. Registering reactivates a device FCM had rejected, and
    the user's other rejected devices on the same platform are forgotten: the app replaced them.
    Without ``region`` a refresh keeps the device's region and a new device takes the user's.
    At most ``max_active`` devices stay active: the ones seen longest ago go inactive (one event must not
    fan out into unbounded pushes).
    """
    now = now or utcnow()
    device = session.scalar(select(Device).where(Device.token == token))
    created = device is None
    if created:
        device = Device(token=token, user_id=user.id, platform=platform, language=language, created_at=now,
                        region=user.region)
        try:
            with session.begin_nested():  # the same new token registered twice at once: the second updates
                session.add(device)
        except IntegrityError:
            device = session.scalar(select(Device).where(Device.token == token))
            created = False
    if device.user_id != user.id:
        cancel_open_deliveries(session, [device.id], "the device was registered by another account")
        device.user_id, device.region = user.id, user.region
    device.platform, device.language, device.token_kind = platform, language, token_kind
    if app_version is not None:
        device.app_version = app_version
    if region is not None:
        device.region = region or None
    device.topic = region_topic(device.region, language) if device.region else None
    device.active, device.deactivated_reason, device.last_seen_at = True, None, now
    session.execute(delete(Device).where(Device.user_id == user.id, Device.platform == platform,
                                         Device.active.is_(False), Device.id != device.id))
    session.flush()
    if max_active is not None:
        _cap_active_devices(session, user, max_active)
    return device, created


def _cap_active_devices(session: Session, user: User, max_active: int) -> None:
    surplus = session.scalars(select(Device.id).where(Device.user_id == user.id, Device.active.is_(True))
                              .order_by(Device.last_seen_at.desc(), Device.id.desc()).offset(max_active)).all()
    if surplus:
        deactivate_devices(session, {device_id: "replaced by newer devices of the same account"
                                     for device_id in surplus})


@transactional
def remove_device(session: Session, user: User, token: str) -> Device:
    """Forget the user's device (signing out of the app); its undelivered pushes are cancelled."""
    device = session.scalar(select(Device).where(Device.token == token, Device.user_id == user.id))
    if device is None:
        raise NotFound(N_("There is no device with this token."))
    cancel_open_deliveries(session, [device.id], "the device was removed")
    session.delete(device)
    session.flush()
    return device


def deactivate_devices(session: Session, reasons: dict[int, str]) -> None:
    """Mark devices whose token FCM rejected inactive and stop every push still queued for them."""
    for device_id, reason in reasons.items():
        session.execute(update(Device).where(Device.id == device_id)
                        .values(active=False, deactivated_reason=reason[:200], subscribed_topic=None))
    cancel_open_deliveries(session, list(reasons), "the device's token was rejected")


def cancel_open_deliveries(session: Session, device_ids: list[int], reason: str) -> None:
    if device_ids:
        session.execute(update(Delivery)
                        .where(Delivery.device_id.in_(device_ids),
                               Delivery.status.in_([s.value for s in OPEN_DELIVERY_STATUSES]))
                        .values(status=DeliveryStatus.FAILED.value, last_error=reason))


def inbox_query(user: User, *, unread_only: bool = False, created_since: dt.datetime | None = None) -> Select:
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if created_since is not None:
        stmt = stmt.where(Notification.created_at > created_since)
    return stmt


_UNREAD = select(func.count(Notification.id)).where(Notification.user_id == bindparam("user_id"),
                                                    Notification.read_at.is_(None))


def unread_count(session: Session, user: User) -> int:
    return session.scalar(_UNREAD, {"user_id": user.id})


@transactional
def mark_read(session: Session, user: User, notification_id: int, now: dt.datetime | None = None) -> Notification:
    """Mark one of the user's messages read (again: no change); someone else's answers 404."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(N_("There is no message with the number {id}."), id=notification_id)
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        session.flush()
    return notification


@transactional
def mark_all_read(session: Session, user: User, now: dt.datetime | None = None) -> int:
    """Mark every unread message of the user read; returns how many were unread."""
    result = session.execute(update(Notification)
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None))
                             .values(read_at=now or utcnow()).execution_options(synchronize_session=False))
    return result.rowcount


def broadcasts_query(region: str | None = None) -> Select:
    stmt = select(Broadcast)
    return stmt.where(Broadcast.region == region) if region else stmt


def fetch_broadcast(session: Session, broadcast_id: int) -> Broadcast:
    broadcast = session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise NotFound(N_("There is no broadcast with the number {id}."), id=broadcast_id)
    return broadcast
