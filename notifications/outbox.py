"""The transactional outbox (发件箱): notifications are written in the transaction of what they announce.

A ``before_flush`` listener on every SQLAlchemy session sees new case events (and rectification items
being closed) and adds, to the same flush, the inbox ``Notification`` and one ``Delivery`` per active
device: if the event is committed its notification is too, if it is rolled back neither exists. The
dispatcher sends the deliveries afterwards. Importing this module installs the listener; the API
factory, the CLI and the workers import it.

Who hears about what (``CASE_EVENTS``): the applicant about every decision on the case and its
receipts (submitted, accepted, supplement requested with what is missing, approved, rejected, not
accepted, withdrawn) and about the reply to a poor rating; the officer a case is assigned to. Internal
steps (recommendations, returns for review, claims, the citizen's own resubmission) notify nobody: the
decision that follows them does.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from models.accounts.user import User
from models.base import utcnow
from models.cases.case import Case, CaseEvent
from models.db import transactional
from models.languages import DEFAULT_LANGUAGE, LANGUAGES
from models.notification import Broadcast, Delivery, Device, Notification, region_topic
from models.rating import Rectification
from notifications.templates import render

log = logging.getLogger(__name__)

CASE_EVENTS = {  # CaseEvent.action → template event sent to the applicant
    "submit": "case_submitted",
    "accept": "case_accepted",
    "request_supplement": "supplement_requested",
    "approve": "case_approved",
    "reject": "case_rejected",
    "not_accept": "case_not_accepted",
    "withdraw": "case_withdrawn",
}
CASE_TTL_SECONDS = 7 * 24 * 3600  # the inbox keeps the message; a week-old push is noise
WARNING_TTL_SECONDS = 24 * 3600  # a deadline warning is replaced by the next day's
BROADCAST_TTL_SECONDS = 24 * 3600

_PENDING = "yiwang.outbox.deliveries"  # session.info flag: this transaction queued deliveries
_wake_hooks: list[Callable[[], None]] = []


def notify(session: Session, user: User, event_name: str, *, case_no: str | None = None,
           collapse_key: str | None = None, ttl_seconds: int = CASE_TTL_SECONDS, dedupe_key: str | None = None,
           **context: Any) -> Notification:
    """Add ``user``'s inbox row and a delivery per active device, each in its reader's language.

    ``context`` values that are ``{"zh": …, "en": …}`` mappings (service names, dates) are read in
    each language; the rest go to the template as they are.
    """
    texts = {language: render(event_name, language, case_no=case_no, **_localized(context, language))
             for language in LANGUAGES}
    mine = texts[_language(user.language)]
    notification = Notification(user=user, event=event_name, case_no=case_no, status=mine.data.get("status"),
                                title=mine.title, body=mine.body, data=mine.data, dedupe_key=dedupe_key)
    session.add(notification)
    devices = session.scalars(select(Device).where(Device.user_id == user.id, Device.active.is_(True))).all()
    for device in devices:
        text = texts[_language(device.language)]
        session.add(Delivery(notification=notification, device=device, language=_language(device.language),
                             title=text.title, body=text.body, data=text.data, collapse_key=collapse_key,
                             ttl_seconds=ttl_seconds))
    if devices:
        session.info[_PENDING] = True
    return notification


@transactional
def warn_owner(session: Session, user: User, event_name: str, **context: Any) -> None:
    """A security notice to an account's owner (sign-in paused, someone tried to register their number),
    at most one of each kind an hour."""
    key = f"{event_name}:{user.id}:{utcnow():%Y%m%d%H}"
    if session.scalar(select(Notification.id).where(Notification.dedupe_key == key)) is None:
        notify(session, user, event_name, dedupe_key=key, collapse_key=f"account-{event_name}", **context)


@transactional
def create_broadcast(session: Session, admin: User | None, *, region: str, title: Mapping[str, str],
                     body: Mapping[str, str]) -> Broadcast:
    """Store an emergency notice and queue one urgent topic message per language for the region."""
    broadcast = Broadcast(region=region, title=dict(title), body=dict(body), sent_by_id=admin.id if admin else None)
    session.add(broadcast)
    session.flush()
    for language in LANGUAGES:
        text = render("broadcast", language, title=title.get(language) or title["zh"],
                      body=body.get(language) or body["zh"], broadcast_id=broadcast.id)
        session.add(Delivery(broadcast=broadcast, topic=region_topic(region, language), language=language,
                             title=text.title, body=text.body, data=text.data, urgent=True,
                             ttl_seconds=BROADCAST_TTL_SECONDS))
    session.info[_PENDING] = True
    return broadcast


def add_wake_hook(hook: Callable[[], None]) -> None:
    """Call ``hook`` after every commit that queued deliveries (to wake a dispatcher promptly)."""
    _wake_hooks.append(hook)


def remove_wake_hook(hook: Callable[[], None]) -> None:
    if hook in _wake_hooks:
        _wake_hooks.remove(hook)


def _language(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _localized(context: Mapping[str, Any], language: str) -> dict[str, Any]:
    """The context for one language: bilingual values read in it, absent (None) values left out."""
    return {name: (value.get(language) or value.get("zh")) if isinstance(value, Mapping) else value
            for name, value in context.items() if value is not None}


def local_date(day: dt.date | None) -> dict[str, str] | None:
    """A date as each language writes it."""
    if day is None:
        return None
    return {"zh": f"{day.year}年{day.month}月{day.day}日", "en": day.isoformat()}


def _service(case: Case) -> dict[str, str]:
    return {"zh": case.service.name_zh, "en": case.service.name_en}


def _case_collapse_key(case: Case) -> str:
    return f"case-{case.case_no}"


def _on_case_event(session: Session, case_event: CaseEvent) -> None:
    case = case_event.case
    if case_event.action == "assign":
        officer = session.get(User, case_event.data["assigned_to"])
        event_name = "case_assigned" if case.due_date else "case_assigned_to_accept"
        notify(session, officer, event_name, case_no=case.case_no, collapse_key=f"assign-{case.case_no}",
               service=_service(case), status=case.status, due_date=local_date(case.due_date))
        return
    event_name = CASE_EVENTS.get(case_event.action)
    if event_name is None:
        return
    applicant = case.applicant or session.get(User, case.applicant_id)
    notify(session, applicant, event_name, case_no=case.case_no, collapse_key=_case_collapse_key(case),
           service=_service(case), status=case_event.to_status, reason=case_event.public_note,
           missing=case_event.data.get("missing_materials"))


def _on_rectification_closed(session: Session, item: Rectification) -> None:
    case = item.case
    notify(session, case.applicant, "rectification_replied", case_no=case.case_no,
           collapse_key=_case_collapse_key(case), service=_service(case), status=case.status, reply=item.reply)


def _closed_now(item: Rectification) -> bool:
    history = inspect(item).attrs.status.history
    return bool(history.added) and history.added[-1] == "closed" and "closed" not in (history.deleted or ())


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    case_events = [obj for obj in session.new if isinstance(obj, CaseEvent)]
    closed = [obj for obj in session.dirty if isinstance(obj, Rectification) and _closed_now(obj)]
    if not case_events and not closed:
        return
    with session.no_autoflush:
        for case_event in sorted(case_events, key=lambda e: e.seq):
            _on_case_event(session, case_event)
        for item in closed:
            _on_rectification_closed(session, item)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_PENDING, False):
        for hook in list(_wake_hooks):
            try:
                hook()
            except Exception:  # a dispatcher that cannot be woken still polls; the commit stands
                log.exception("could not wake the notification dispatcher")


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)
