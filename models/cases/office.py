"""The mobile office (移动办公) for officers and supervisors: the inbox of a department and its figures.

Inbox order: cases with a due date first, earliest due date first (so overdue cases lead), then the
cases not yet accepted, which have no due date, oldest submission first; ties by submission time and id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, joinedload

from models.accounts.user import Department, Role, User
from models.cases.case import NO_DUE_DATE_SQL, Case
from models.cases.casework import CASE_ROW
from models.cases.deadlines import WorkingCalendar
from models.cases.workflow import DECIDED_STATUSES, OPEN_STATUSES, RUNNING_STATUSES, STAFF, statuses_matching
from models.catalogue.service import Service
from models.errors import N_, ValidationFailed
from models.pagination import SortKey
from models.rating import Rating

NO_DUE_DATE = dt.date(9999, 12, 31)
MAX_PERIOD_DAYS = 366  # of the stats period
INBOX_ORDER = [
    SortKey(func.coalesce(Case.due_date, NO_DUE_DATE_SQL), kind=dt.date),  # ix_cases_open_inbox's order
    SortKey(Case.submitted_at, kind=dt.datetime),
    SortKey(Case.id),
]


def inbox_sort_values(item: Case) -> list:
    return [item.due_date or NO_DUE_DATE, item.submitted_at, item.id]


def _values(statuses) -> list[str]:
    return sorted(s.value for s in statuses)


def inbox_query(
    user: User,
    *,
    calendar: WorkingCalendar,
    today: dt.date,
    status: str = "open",
    assigned: str | None = None,
    overdue: bool = False,
    due_within: int | None = None,
    updated_since: dt.datetime | None = None,
) -> Select:
    """The cases of the user's department matching the inbox filters.

    ``status`` is a status, ``open`` (default), ``closed`` or ``all``; ``assigned`` is ``me`` or
    ``unassigned``; ``overdue`` and ``due_within`` (working days, overdue cases included) only match
    cases whose clock is running, because a paused case waits for the citizen.
    """
    stmt = (
        select(Case)
        .where(Case.department_id == user.department_id)
        .options(*CASE_ROW, joinedload(Case.applicant).lazyload(User.department),  # shown on every row
                 joinedload(Case.assigned_to).lazyload(User.department))
    )
    stmt = stmt.where(Case.status.in_(statuses_matching(status)))
    if assigned == "me":
        stmt = stmt.where(Case.assigned_to_id == user.id)
    elif assigned == "unassigned":
        stmt = stmt.where(Case.assigned_to_id.is_(None))
    if overdue or due_within is not None:
        stmt = stmt.where(Case.status.in_(_values(RUNNING_STATUSES)))
    if overdue:
        stmt = stmt.where(Case.due_date < today)
    if due_within is not None:
        # working_days_left <= N  <=>  due before the (N+1)-th working day after today
        stmt = stmt.where(Case.due_date < calendar.add_working_days(today, due_within + 1))
    if updated_since is not None:
        stmt = stmt.where(Case.updated_at > updated_since)
    return stmt


def department_staff(session: Session, department_id: int) -> list[tuple[User, int]]:
    """Active officers and supervisors of a department, with how many open cases each holds."""
    open_cases = (
        select(Case.assigned_to_id, func.count(Case.id).label("n"))
        .where(Case.status.in_(_values(OPEN_STATUSES)))
        .group_by(Case.assigned_to_id)
        .subquery()
    )
    stmt = (
        select(User, func.coalesce(open_cases.c.n, 0))
        .outerjoin(open_cases, open_cases.c.assigned_to_id == User.id)
        .where(User.department_id == department_id, User.active.is_(True),
               User.role.in_(sorted(STAFF, key=str)))
        .order_by(User.role, User.name, User.id)
    )
    return [(user, count) for user, count in session.execute(stmt).all()]


@dataclass
class Tally:
    """Raw counts behind the figures, so a department's figures are exact sums of its services'."""

    open: int = 0
    overdue: int = 0
    closed: int = 0
    working_days: list[int] = field(default_factory=list)  # of accepted cases decided in the period
    on_time: int = 0
    ratings: int = 0
    rating_points: int = 0
    dissatisfied: int = 0

    def add(self, other: Tally) -> None:
        for name in ("open", "overdue", "closed", "on_time", "ratings", "rating_points", "dissatisfied"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.working_days += other.working_days

    def figures(self) -> dict:
        timed = len(self.working_days)
        return {
            "open": self.open,
            "overdue": self.overdue,
            "closed": self.closed,
            "average_working_days": round(sum(self.working_days) / timed, 2) if timed else None,
            "on_time_rate": round(self.on_time / timed, 4) if timed else None,
            "ratings": {
                "count": self.ratings,
                "average": round(self.rating_points / self.ratings, 2) if self.ratings else None,
                "dissatisfied": self.dissatisfied,
            },
        }


@dataclass
class ServiceFigures:
    service: Service
    figures: dict


@dataclass
class DepartmentFigures:
    department: Department
    figures: dict
    services: list[ServiceFigures]


def stats_period(date_from: dt.date | None, date_to: dt.date | None, day: dt.date) -> tuple[dt.date, dt.date]:
    """[from, to], by default from the first of to's month; at most MAX_PERIOD_DAYS long."""
    date_to = date_to or day
    date_from = date_from or date_to.replace(day=1)
    if date_from > date_to:
        raise ValidationFailed({"from": [N_("The start of the period must not be after its end.")]})
    if (date_to - date_from).days >= MAX_PERIOD_DAYS:
        raise ValidationFailed({"from": [N_("The period can be at most {days} days.").format(days=MAX_PERIOD_DAYS)]})
    return date_from, date_to


def stats_departments(session: Session, user: User, department_code: str | None) -> list[Department]:
    """Staff see their own department; admins see every department, or the one they ask for."""
    if user.role is not Role.ADMIN:
        return [user.department]
    stmt = select(Department).order_by(Department.code)
    if department_code:
        stmt = stmt.where(Department.code == department_code)
    return list(session.scalars(stmt))


def office_stats(
    session: Session,
    departments: list[Department],
    *,
    date_from: dt.date,
    date_to: dt.date,
    calendar: WorkingCalendar,
    now: dt.datetime,
) -> list[DepartmentFigures]:
    """Per department and per service: open and overdue now; closed, speed, punctuality and ratings in
    the period [date_from, date_to] (local calendar days, both included).

    ``closed`` counts the department's decisions (approved, rejected, not accepted), not withdrawals.
    Working days to close run from acceptance to decision without supplement pauses, so cases not
    accepted have no duration; on time means decided on or before the (pause-extended) due date.
    """
    department_ids = [d.id for d in departments]
    tallies: dict[tuple[int, int], Tally] = {}

    def tally(department_id: int, service_id: int) -> Tally:
        return tallies.setdefault((department_id, service_id), Tally())

    today = calendar.local_date(now)
    for department_id, service_id, open_count, overdue_count in session.execute(
        select(
            Case.department_id, Case.service_id, func.count(Case.id),
            func.sum(case((Case.status.in_(_values(RUNNING_STATUSES)) & (Case.due_date < today), 1), else_=0)),
        )
        .where(Case.department_id.in_(department_ids), Case.status.in_(_values(OPEN_STATUSES)))
        .group_by(Case.department_id, Case.service_id)
    ):
        item = tally(department_id, service_id)
        item.open, item.overdue = open_count, int(overdue_count or 0)

    start, end = _period_bounds(calendar, date_from, date_to)
    spans: dict[tuple[dt.date, dt.date], int] = {}  # working days between two dates, counted once per pair
    # Plain rows, not Case objects: a month of a big department is thousands of cases, all read from
    # ix_cases_decided_by_department (PostgreSQL: an index-only scan).
    for department_id, service_id, accepted_at, closed_at, paused, due_date in session.execute(
        select(Case.department_id, Case.service_id, Case.accepted_at, Case.closed_at, Case.paused_working_days,
               Case.due_date).where(
            Case.department_id.in_(department_ids), Case.status.in_(_values(DECIDED_STATUSES)),
            Case.closed_at >= start, Case.closed_at < end,
        )
    ):
        item = tally(department_id, service_id)
        item.closed += 1
        if accepted_at is not None:
            span = calendar.local_date(accepted_at), calendar.local_date(closed_at)
            if span not in spans:
                spans[span] = calendar.working_days_between(*span)
            item.working_days.append(spans[span] - paused)
            item.on_time += span[1] <= due_date

    for department_id, service_id, count, points, dissatisfied in session.execute(
        select(
            Rating.department_id, Rating.service_id, func.count(Rating.id), func.sum(Rating.level),
            func.sum(case((Rating.level <= 2, 1), else_=0)),
        )
        .where(Rating.department_id.in_(department_ids), Rating.created_at >= start, Rating.created_at < end)
        .group_by(Rating.department_id, Rating.service_id)
    ):
        item = tally(department_id, service_id)
        item.ratings, item.rating_points, item.dissatisfied = count, int(points), int(dissatisfied)

    return [_department_figures(session, department, tallies) for department in departments]


def _period_bounds(calendar: WorkingCalendar, date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(date_from, dt.time(), calendar.tz).astimezone(dt.UTC)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), calendar.tz).astimezone(dt.UTC)
    return start, end


def _department_figures(session: Session, department: Department,
                        tallies: dict[tuple[int, int], Tally]) -> DepartmentFigures:
    """Every service of the department's catalogue is listed (zeros included), plus any service the
    department still has cases or ratings of after the service moved to another department."""
    service_ids = set(session.scalars(select(Service.id).where(Service.department_id == department.id)))
    service_ids |= {service_id for department_id, service_id in tallies if department_id == department.id}
    services = session.scalars(select(Service).where(Service.id.in_(service_ids)).order_by(Service.code))
    total = Tally()
    rows = []
    for service in services:
        item = tallies.get((department.id, service.id), Tally())
        total.add(item)
        rows.append(ServiceFigures(service, item.figures()))
    return DepartmentFigures(department, total.figures(), rows)
