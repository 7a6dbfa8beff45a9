"""The daily deadline scan on fixed dates: due within one working day and overdue cases warn their
officer (or, unassigned, the supervisors), once per case, person and day; paused cases wait."""

from __future__ import annotations

import collections
import datetime as dt

import pytest
from sqlalchemy import select

from models.cases.casework import perform_action
from models.notification import Delivery, Notification, register_device
from notifications.deadlines import scan_deadlines
from tests.factories import at, new_case, person


@pytest.fixture
def office(session, calendar):
    officer, supervisor, second_supervisor = (person(session, "officer"), person(session, "supervisor"),
                                              person(session, "supervisor"))
    register_device(session, officer, token="officer-phone", platform="android", language="en")
    applicant = person(session, "citizen")
    accepted_on = at(2026, 12, 1)

    def case(accept_at, actor, *more):
        item = new_case(session, calendar, applicant, now=accept_at)
        perform_action(session, item, actor, "accept", calendar=calendar, now=accept_at)  # an officer claims it
        for action in more:
            perform_action(session, item, actor, action, calendar=calendar, now=accept_at, missing_materials=["身份证"])
        return item

    cases = {
        "due_soon": case(accepted_on, officer),
        "overdue": case(at(2026, 11, 2), officer),
        "unassigned": case(accepted_on, supervisor),
        "paused": case(at(2026, 11, 2), officer, "request_supplement"),
        "later": case(at(2026, 12, 8), officer),
    }
    session.commit()
    return {"officer": officer, "supervisors": [supervisor, second_supervisor], "cases": cases}


def warnings(session) -> collections.Counter:
    session.commit()
    return collections.Counter((n.event, n.case_no, n.user_id) for n in session.scalars(select(Notification))
                               if n.event in ("deadline_due_soon", "case_overdue"))


def test_scan_on_a_fixed_date(session, calendar, office):
    cases, officer = office["cases"], office["officer"]
    due = cases["due_soon"].due_date
    scan_day = next(d for d in (due - dt.timedelta(days=n) for n in range(1, 10))
                    if calendar.working_days_between(d, due) == 1)

    report = scan_deadlines(session, calendar, scan_day)
    assert (report.due_soon, report.overdue, report.already_warned) == (3, 1, 0)
    supervisors = [s.id for s in office["supervisors"]]
    assert warnings(session) == {
        ("deadline_due_soon", cases["due_soon"].case_no, officer.id): 1,
        ("case_overdue", cases["overdue"].case_no, officer.id): 1,
        ("deadline_due_soon", cases["unassigned"].case_no, supervisors[0]): 1,
        ("deadline_due_soon", cases["unassigned"].case_no, supervisors[1]): 1,
    }
    push = session.scalar(select(Delivery).join(Notification).where(Notification.event == "case_overdue"))
    assert push.title == "Case overdue" and cases["overdue"].due_date.isoformat() in push.body
    assert push.collapse_key == f"deadline-{cases['overdue'].case_no}"
    inbox = session.scalar(select(Notification).where(Notification.event == "case_overdue"))
    assert inbox.title == "办件已超期" and cases["overdue"].case_no in inbox.body

    again = scan_deadlines(session, calendar, scan_day)  # e.g. beat and a manual run on the same day
    assert (again.due_soon, again.overdue, again.already_warned) == (0, 0, 4)
    assert sum(warnings(session).values()) == 4

    next_day = calendar.add_working_days(scan_day, 1)  # the due date itself: still "due soon" (0 days left)
    report = scan_deadlines(session, calendar, next_day)
    assert (report.due_soon, report.overdue) == (3, 1)
    assert sum(warnings(session).values()) == 8


def test_the_cli_command_scans_a_given_date(app, session, calendar, office):
    overdue = office["cases"]["overdue"]
    day = calendar.add_working_days(overdue.due_date, 3)
    result = app.test_cli_runner().invoke(args=["notify-deadlines", "--date", day.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"Deadline scan for {day}:" in result.output and "1 overdue" in result.output
    result = app.test_cli_runner().invoke(args=["notify-deadlines", "--date", day.isoformat()])
    assert "0 overdue" in result.output and "already warned today" in result.output
    assert ("case_overdue", overdue.case_no, office["officer"].id) in warnings(session)
