"""GET /api/v1/office/stats: who sees which departments, the period arguments, and figures that match the
domain calculation (hand-checked in tests/models/cases/test_office_stats.py) for an October 2026 fixture."""

from __future__ import annotations

import pytest

from models.rating import rate_case
from tests.factories import advance, at, file_case
from tests.helpers import assert_problem

STATS = "/api/v1/office/stats"
OCTOBER = "?from=2026-10-01&to=2026-10-31"


@pytest.fixture
def october(session, calendar, accounts):
    citizen = accounts.create("citizen")
    officer = accounts.create("officer", "SCJG")
    on_time = file_case(session, calendar, citizen, now=at(2026, 9, 29))
    advance(session, calendar, on_time, officer, "accept", now=at(2026, 9, 30))  # due Oct 8
    advance(session, calendar, on_time, officer, "approve", now=at(2026, 10, 8))  # 1 working day
    late = file_case(session, calendar, citizen, now=at(2026, 10, 9, 8))
    advance(session, calendar, late, officer, "accept", now=at(2026, 10, 9))  # due Sat Oct 10
    advance(session, calendar, late, officer, "approve", now=at(2026, 10, 13))  # 3 working days
    still_open = file_case(session, calendar, citizen, now=at(2026, 10, 14, 8))
    advance(session, calendar, still_open, officer, "accept", now=at(2026, 10, 14))  # overdue since Oct 16
    rate_case(session, late, citizen, level=2, calendar=calendar, now=at(2026, 10, 14))
    session.commit()


def service_row(body, department, service):
    [dept] = [d for d in body["departments"] if d["code"] == department]
    return next(s for s in dept["services"] if s["code"] == service)


def test_an_officer_sees_the_figures_of_the_department(client, accounts, october):
    _, officer = accounts.officer("SCJG")
    response = client.get(STATS + OCTOBER, headers=officer)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["from"], body["to"]) == ("2026-10-01", "2026-10-31")
    assert [d["code"] for d in body["departments"]] == ["SCJG"]
    dept = body["departments"][0]
    assert dept["name"] == "示范市市场监督管理局"
    assert [s["code"] for s in dept["services"]] == ["YW-SCJG-001", "YW-SCJG-002", "YW-SCJG-003"]
    row = service_row(body, "SCJG", "YW-SCJG-003")
    assert {k: row[k] for k in ("open", "overdue", "closed", "average_working_days", "on_time_rate")} == {
        "open": 1, "overdue": 1, "closed": 2, "average_working_days": 2.0, "on_time_rate": 0.5}
    assert row["ratings"] == {"count": 1, "average": 2.0, "dissatisfied": 1}
    assert row["name"] == "个体工商户设立登记"
    assert {k: dept[k] for k in ("open", "overdue", "closed")} == {"open": 1, "overdue": 1, "closed": 2}


def test_an_admin_sees_every_department_or_one(client, accounts, october):
    admin = accounts.headers(accounts.create("admin"))
    everything = client.get(STATS + OCTOBER, headers=admin).get_json()
    assert len(everything["departments"]) >= 10
    assert service_row(everything, "SCJG", "YW-SCJG-003")["closed"] == 2
    assert service_row(everything, "JYJ", "YW-JYJ-001")["closed"] == 0
    one = client.get(STATS + OCTOBER + "&department=SCJG", headers=admin).get_json()
    assert [d["code"] for d in one["departments"]] == ["SCJG"]
    assert_problem(client.get(STATS + "?department=NOPE", headers=admin), 404)


def test_staff_cannot_look_into_another_department(client, accounts, october):
    _, foreign = accounts.officer("JYJ")
    body = client.get(STATS + OCTOBER + "&department=SCJG", headers=foreign)
    assert_problem(body, 404)
    own = client.get(STATS + OCTOBER, headers=foreign).get_json()
    assert [d["code"] for d in own["departments"]] == ["JYJ"] and own["departments"][0]["closed"] == 0


def test_period_defaults_and_checks(client, accounts):
    _, supervisor = accounts.officer("SCJG", role="supervisor")
    body = client.get(STATS, headers=supervisor).get_json()
    assert body["from"][8:] == "01" and body["from"][:7] == body["to"][:7] == body["as_of"][:7]
    assert body["to"] == body["as_of"]
    assert_problem(client.get(STATS + "?from=2026-10-31&to=2026-10-01", headers=supervisor), 422)
    too_long = assert_problem(client.get(STATS + "?from=2024-01-01&to=2026-10-01", headers=supervisor), 422)
    assert too_long["errors"]["from"] == ["统计期间最长 366 天。"]
    assert_problem(client.get(STATS + "?from=yesterday", headers=supervisor), 422)
