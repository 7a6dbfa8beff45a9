"""Office figures against a hand-computed October 2026 (Golden Week Oct 1-7, Saturday Oct 10 worked)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.accounts.user import Department
from models.cases.casework import perform_action, resubmit_case
from models.cases.office import office_stats
from models.rating import rate_case
from tests.factories import at, new_case, person

PERIOD = {"date_from": at(2026, 10, 1).date(), "date_to": at(2026, 10, 31).date()}
NOW = at(2026, 10, 20, 12)


@pytest.fixture
def october(session, calendar):
    """The cases below, with the figures each one contributes noted beside it."""
    applicant, officer = person(session, "citizen"), person(session, "officer")
    supervisor = person(session, "supervisor")

    def act(case, action, when, actor=officer, **extra):
        perform_action(session, case, actor, action, calendar=calendar, now=when, **extra)

    # YW-SCJG-003 (promised 1 working day)
    a = new_case(session, calendar, applicant, now=at(2026, 9, 29))
    act(a, "accept", at(2026, 9, 30))  # due Oct 8
    act(a, "approve", at(2026, 10, 8))  # closed, 1 working day, on time
    b = new_case(session, calendar, applicant, now=at(2026, 10, 9, 8))
    act(b, "accept", at(2026, 10, 9))  # due Sat Oct 10
    act(b, "approve", at(2026, 10, 13))  # closed, 3 working days (10, 12, 13), late
    c = new_case(session, calendar, applicant, now=at(2026, 10, 12, 8))
    act(c, "not_accept", at(2026, 10, 12), public_note="不属于本部门")  # closed, no duration
    d = new_case(session, calendar, applicant, now=at(2026, 10, 14, 8))
    act(d, "accept", at(2026, 10, 14))  # due Oct 15: open and overdue on Oct 20
    new_case(session, calendar, applicant, now=at(2026, 10, 19))  # open, not accepted yet
    f = new_case(session, calendar, applicant, now=at(2026, 10, 15))
    act(f, "withdraw", at(2026, 10, 16), actor=applicant)  # neither open nor closed by the department

    # YW-SCJG-002 (promised 5 working days, two-stage)
    g = new_case(session, calendar, applicant, "YW-SCJG-002", now=at(2026, 9, 28))
    act(g, "accept", at(2026, 9, 30))  # due Oct 13
    act(g, "request_supplement", at(2026, 10, 9), missing_materials=["平面图"])
    resubmit_case(session, g, applicant, form={"premises_area": 90}, calendar=calendar, now=at(2026, 10, 12))
    act(g, "recommend_approve", at(2026, 10, 14))  # due moved to Oct 15 by the 2-day pause
    act(g, "approve", at(2026, 10, 15), actor=supervisor)  # closed, 7 - 2 = 5 working days, on time
    h = new_case(session, calendar, applicant, "YW-SCJG-002", now=at(2026, 10, 16, 8))
    act(h, "accept", at(2026, 10, 16))  # due Oct 23
    act(h, "request_supplement", at(2026, 10, 19), missing_materials=["健康证明"])  # open, clock stopped
    i = new_case(session, calendar, applicant, "YW-SCJG-002", now=at(2026, 9, 27))
    act(i, "accept", at(2026, 9, 28))
    act(i, "recommend_approve", at(2026, 9, 29))
    act(i, "approve", at(2026, 9, 29, 16), actor=supervisor)  # closed before the period

    # another department
    jyj = new_case(session, calendar, applicant, "YW-JYJ-001", now=at(2026, 9, 1))
    act(jyj, "accept", at(2026, 9, 1), actor=person(session, "officer", "JYJ"))  # 20 days: due Sep 29, overdue

    for case, level, when in ((a, 5, at(2026, 10, 9)), (b, 2, at(2026, 10, 14)), (c, 1, at(2026, 10, 13)),
                              (g, 4, at(2026, 10, 16)), (i, 3, at(2026, 9, 30))):
        rate_case(session, case, applicant, level=level, calendar=calendar, now=when)
    session.flush()


def figures_of(session, calendar, *codes):
    departments = [session.scalar(select(Department).where(Department.code == code)) for code in codes]
    return office_stats(session, departments, calendar=calendar, now=NOW, **PERIOD)


def ratings(count, average, dissatisfied):
    return {"count": count, "average": average, "dissatisfied": dissatisfied}


def test_figures_per_service_match_the_hand_count(session, calendar, october):
    [scjg] = figures_of(session, calendar, "SCJG")
    by_code = {row.service.code: row.figures for row in scjg.services}
    assert list(by_code) == ["YW-SCJG-001", "YW-SCJG-002", "YW-SCJG-003"]
    assert by_code["YW-SCJG-003"] == {
        "open": 2, "overdue": 1, "closed": 3, "average_working_days": 2.0, "on_time_rate": 0.5,
        "ratings": ratings(3, 2.67, 2),
    }
    assert by_code["YW-SCJG-002"] == {
        "open": 1, "overdue": 0, "closed": 1, "average_working_days": 5.0, "on_time_rate": 1.0,
        "ratings": ratings(1, 4.0, 0),
    }
    assert by_code["YW-SCJG-001"] == {
        "open": 0, "overdue": 0, "closed": 0, "average_working_days": None, "on_time_rate": None,
        "ratings": ratings(0, None, 0),
    }


def test_department_figures_are_exact_over_all_its_cases(session, calendar, october):
    [scjg] = figures_of(session, calendar, "SCJG")
    assert scjg.department.code == "SCJG"
    assert scjg.figures == {
        "open": 3, "overdue": 1, "closed": 4,
        "average_working_days": 3.0,  # (1 + 3 + 5) / 3, not the mean of the services' means
        "on_time_rate": 0.6667,  # 2 of 3
        "ratings": ratings(4, 3.0, 2),  # (5 + 2 + 1 + 4) / 4
    }


def test_departments_are_kept_apart(session, calendar, october):
    scjg, jyj = figures_of(session, calendar, "SCJG", "JYJ")
    assert (jyj.figures["open"], jyj.figures["overdue"], jyj.figures["closed"]) == (1, 1, 0)
    assert scjg.figures["open"] == 3


def test_the_period_bounds_are_local_days(session, calendar, october):
    departments = [session.scalar(select(Department).where(Department.code == "SCJG"))]
    [only_the_8th] = office_stats(session, departments, calendar=calendar, now=NOW,
                                  date_from=at(2026, 10, 8).date(), date_to=at(2026, 10, 8).date())
    assert (only_the_8th.figures["closed"], only_the_8th.figures["average_working_days"]) == (1, 1.0)
    assert only_the_8th.figures["ratings"]["count"] == 0
