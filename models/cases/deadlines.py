"""Time limits (办理时限) in working days on the official Chinese calendar.

Rules: a period starts the day after its triggering day, so the due date is the ``promised_days``-th
working day after the day of acceptance; days spent waiting for a supplement (补正) do not count;
calendar days are those of the service's time zone. Public holidays and adjusted working days (调休)
come from the ``chinese-calendar`` package; for a year it does not cover yet, Monday to Friday are
taken as working days and the result is marked as estimated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar


@lru_cache(maxsize=4096)
def _official_workday(day: dt.date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


class WorkingCalendar:
    def __init__(self, timezone: str | ZoneInfo = "Asia/Shanghai"):
        self.tz = timezone if isinstance(timezone, ZoneInfo) else ZoneInfo(timezone)

    def local_date(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.tz).date()

    def is_official(self, day: dt.date) -> bool:
        return _official_workday(day) is not None

    def is_working_day(self, day: dt.date) -> bool:
        official = _official_workday(day)
        return official if official is not None else day.weekday() < 5

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``start`` (``start`` itself when count is 0)."""
        day = start
        while count > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days d with start < d <= end; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + dt.timedelta(days=n)))


@dataclass(frozen=True)
class Deadline:
    due_date: dt.date | None
    statutory_due_date: dt.date | None
    working_days_left: int | None
    overdue: bool
    clock: str
    estimated: bool


def start_clock(calendar: WorkingCalendar, accepted_at: dt.datetime, promised_days: int,
                statutory_days: int) -> tuple[dt.date, dt.date]:
    day = calendar.local_date(accepted_at)
    return calendar.add_working_days(day, promised_days), calendar.add_working_days(day, statutory_days)


def paused_working_days(calendar: WorkingCalendar, stopped_at: dt.datetime, resumed_at: dt.datetime) -> int:
    """Working days lost to a pause: after the day it stopped, up to and including the day it resumed."""
    return calendar.working_days_between(calendar.local_date(stopped_at), calendar.local_date(resumed_at))


def deadline_of(calendar: WorkingCalendar, *, due_date: dt.date | None, statutory_due_date: dt.date | None,
                clock: str, clock_stopped_at: dt.datetime | None, now: dt.datetime) -> Deadline:
    """The same figures for the officer's and the citizen's view of a case."""
    if due_date is None or clock in ("not_started", "ended"):
        return Deadline(due_date, statutory_due_date, None, False, clock, False)
    reference = calendar.local_date(clock_stopped_at if clock == "stopped" and clock_stopped_at else now)
    left = calendar.working_days_between(reference, due_date)
    overdue = clock == "running" and reference > due_date
    estimated = not (calendar.is_official(reference) and calendar.is_official(due_date))
    return Deadline(due_date, statutory_due_date, left, overdue, clock, estimated)
