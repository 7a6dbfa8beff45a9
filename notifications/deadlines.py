"""The daily deadline scan (时限预警): warn officers about cases due within one working day and overdue ones.

Only cases whose clock runs are concerned (a case waiting for a supplement waits for the citizen). The
case's assignee is warned, or, for an unassigned case, the department's supervisors. Each warning is
sent at most once per case, person and day (the notification's ``dedupe_key``), so running the scan
twice, or from two processes, warns nobody twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.accounts.user import Role, User
from models.cases.case import Case
from models.cases.casework import case_deadline
from models.cases.deadlines import WorkingCalendar
from models.cases.workflow import RUNNING_STATUSES
from models.db import transactional
from models.notification import Notification
from notifications.outbox import WARNING_TTL_SECONDS, local_date, notify

DUE_SOON_WORKING_DAYS = 1


@dataclass(frozen=True)
class ScanReport:
    due_soon: int = 0
    overdue: int = 0
    already_warned: int = 0


@transactional
def scan_deadlines(session: Session, calendar: WorkingCalendar, today: dt.date) -> ScanReport:
    """Warn about today's due-soon and overdue cases (``today`` in the calendar's time zone), in one unit of work."""
    now = dt.datetime.combine(today, dt.time(12), calendar.tz)
    horizon = calendar.add_working_days(today, DUE_SOON_WORKING_DAYS + 1)
    cases = session.scalars(
        select(Case).where(Case.status.in_([s.value for s in RUNNING_STATUSES]), Case.due_date < horizon)
        .order_by(Case.due_date, Case.id)
    ).all()
    counts = {"due_soon": 0, "overdue": 0, "already_warned": 0}
    for case in cases:
        deadline = case_deadline(case, calendar, now)
        if deadline.overdue:
            kind, event_name = "overdue", "case_overdue"
        elif deadline.working_days_left is not None and deadline.working_days_left <= DUE_SOON_WORKING_DAYS:
            kind, event_name = "due_soon", "deadline_due_soon"
        else:
            continue
        for user in _responsible(session, case):
            key = f"{event_name}:{case.id}:{user.id}:{today.isoformat()}"
            if _warn(session, user, case, event_name, key):
                counts[kind] += 1
            else:
                counts["already_warned"] += 1
    return ScanReport(**counts)


def _responsible(session: Session, case: Case) -> list[User]:
    if case.assigned_to is not None and case.assigned_to.active:
        return [case.assigned_to]
    return list(session.scalars(select(User).where(User.department_id == case.department_id,
                                                   User.role == Role.SUPERVISOR, User.active.is_(True))
                                .order_by(User.id)))


def _warn(session: Session, user: User, case: Case, event_name: str, key: str) -> bool:
    if session.scalar(select(Notification.id).where(Notification.dedupe_key == key)) is not None:
        return False
    try:
        with session.begin_nested():  # another scan may be warning at the same moment: one row wins
            notify(session, user, event_name, case_no=case.case_no, collapse_key=f"deadline-{case.case_no}",
                   ttl_seconds=WARNING_TTL_SECONDS, dedupe_key=key, status=case.status,
                   service={"zh": case.service.name_zh, "en": case.service.name_en},
                   due_date=local_date(case.due_date))
    except IntegrityError:
        return False
    return True
