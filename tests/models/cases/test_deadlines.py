"""Time limits on the official calendar: Golden Week 2026 (Oct 1-7 off, Saturday Oct 10 a working day),
a supplement pause, statutory limits, local calendar days, and years the calendar does not cover yet."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from models.cases.casework import case_deadline, perform_action, resubmit_case
from models.cases.deadlines import WorkingCalendar, deadline_of, paused_working_days, start_clock
from tests.factories import at, new_case, person

D = dt.date


@pytest.fixture
def shanghai():
    return WorkingCalendar("Asia/Shanghai")


def test_the_2026_calendar_facts_these_tests_rely_on():
    assert not any(chinese_calendar.is_workday(D(2026, 10, day)) for day in range(1, 8))
    assert chinese_calendar.is_workday(D(2026, 10, 10)) and D(2026, 10, 10).weekday() == 5
    assert chinese_calendar.is_workday(D(2026, 9, 20)) and D(2026, 9, 20).weekday() == 6
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))


@pytest.mark.parametrize(("start", "count", "expected"), [
    (D(2026, 9, 30), 1, D(2026, 10, 8)),  # the whole Golden Week is skipped
    (D(2026, 9, 30), 3, D(2026, 10, 10)),  # the adjusted Saturday counts
    (D(2026, 9, 30), 5, D(2026, 10, 13)),  # Sunday Oct 11 does not
    (D(2026, 9, 30), 15, D(2026, 10, 27)),
    (D(2026, 9, 18), 1, D(2026, 9, 20)),  # adjusted Sunday before the Mid-autumn break
    (D(2026, 9, 24), 1, D(2026, 9, 28)),  # Mid-autumn Festival Sep 25-27
    (D(2026, 10, 3), 0, D(2026, 10, 3)),
])
def test_add_working_days_follows_holidays_and_adjusted_days(shanghai, start, count, expected):
    assert shanghai.add_working_days(start, count) == expected
    assert shanghai.working_days_between(start, expected) == count


def test_due_dates_count_from_the_day_after_acceptance(shanghai):
    due, statutory = start_clock(shanghai, at(2026, 9, 30, 16), promised_days=5, statutory_days=20)
    assert due == D(2026, 10, 13)
    assert statutory == D(2026, 11, 3)


def test_local_day_decides_not_the_utc_day(shanghai):
    late_evening_utc = dt.datetime(2026, 9, 29, 17, 30, tzinfo=dt.UTC)  # 01:30 on Sep 30 in Shanghai
    due, _ = start_clock(shanghai, late_evening_utc, promised_days=1, statutory_days=1)
    assert due == D(2026, 10, 8)
    due_utc, _ = start_clock(WorkingCalendar("UTC"), late_evening_utc, promised_days=1, statutory_days=1)
    assert due_utc == D(2026, 9, 30)


def test_a_pause_lasts_from_the_day_after_it_stopped_to_the_day_it_resumed(shanghai):
    assert paused_working_days(shanghai, at(2026, 10, 8), at(2026, 10, 12)) == 3  # Oct 9, Sat 10, Mon 12
    assert paused_working_days(shanghai, at(2026, 9, 30), at(2026, 10, 8)) == 1  # only Oct 8
    assert paused_working_days(shanghai, at(2026, 10, 9, 9), at(2026, 10, 9, 17)) == 0


def test_case_clock_across_golden_week_with_a_supplement_pause(session, calendar):
    applicant, officer = person(session, "citizen"), person(session, "officer")
    case = new_case(session, calendar, applicant, "YW-SCJG-002", now=at(2026, 9, 29))
    assert (case.guide["promised_days"], case.guide["statutory_days"]) == (5, 10)
    perform_action(session, case, officer, "accept", calendar=calendar, now=at(2026, 9, 30, 11))
    # Oct 8, 9, Sat 10, 12, 13 | statutory: ... 14, 15, 16, 19, 20
    assert (case.due_date, case.statutory_due_date) == (D(2026, 10, 13), D(2026, 10, 20))

    on_holiday = case_deadline(case, calendar, now=at(2026, 10, 5))
    assert (on_holiday.working_days_left, on_holiday.overdue, on_holiday.clock) == (5, False, "running")

    perform_action(session, case, officer, "request_supplement", calendar=calendar, now=at(2026, 10, 9, 9),
                   missing_materials=["经营场所平面图"])
    paused = case_deadline(case, calendar, now=at(2026, 10, 30))
    assert (paused.working_days_left, paused.overdue, paused.clock) == (3, False, "stopped")

    resubmit_case(session, case, applicant, form={"premises_area": 90}, calendar=calendar,
                  now=at(2026, 10, 12, 15))
    assert case.paused_working_days == 2  # Sat Oct 10 and Mon Oct 12
    assert (case.due_date, case.statutory_due_date) == (D(2026, 10, 15), D(2026, 10, 22))
    running = case_deadline(case, calendar, now=at(2026, 10, 12, 16))
    assert (running.working_days_left, running.overdue, running.estimated) == (3, False, False)
    assert case_deadline(case, calendar, now=at(2026, 10, 15, 17)).overdue is False
    late = case_deadline(case, calendar, now=at(2026, 10, 16))
    assert (late.working_days_left, late.overdue) == (-1, True)


def test_a_decided_case_has_no_running_deadline(session, calendar):
    applicant, officer = person(session, "citizen"), person(session, "officer")
    case = new_case(session, calendar, applicant, now=at(2026, 9, 29))
    before = case_deadline(case, calendar, now=at(2026, 9, 29))
    assert (before.due_date, before.working_days_left, before.clock) == (None, None, "not_started")
    perform_action(session, case, officer, "accept", calendar=calendar, now=at(2026, 9, 29, 11))
    perform_action(session, case, officer, "approve", calendar=calendar, now=at(2026, 10, 20))
    after = case_deadline(case, calendar, now=at(2026, 10, 21))
    assert (after.working_days_left, after.overdue, after.clock) == (None, False, "ended")


def test_a_due_date_in_an_uncovered_year_is_estimated(shanghai):
    due, _ = start_clock(shanghai, at(2026, 12, 28), promised_days=5, statutory_days=5)
    # Dec 29-31 are official; 2027 falls back to Monday-Friday, so Jan 1 counts until the State Council
    # publishes the 2027 calendar and the package is upgraded.
    assert due == D(2027, 1, 4)
    assert not shanghai.is_official(D(2027, 1, 1)) and shanghai.is_working_day(D(2027, 1, 1))
    deadline = deadline_of(shanghai, due_date=due, statutory_due_date=due, clock="running", clock_stopped_at=None,
                           now=at(2026, 12, 28, 12))
    assert (deadline.working_days_left, deadline.estimated, deadline.overdue) == (5, True, False)
    covered = deadline_of(shanghai, due_date=D(2026, 12, 31), statutory_due_date=None, clock="running",
                          clock_stopped_at=None, now=at(2026, 12, 28))
    assert (covered.working_days_left, covered.estimated) == (3, False)
