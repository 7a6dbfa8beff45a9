"""The department inbox: default order by due date (cases not yet accepted last, oldest first), filters,
cursor pagination and compact rows. Moments are relative to now, so the figures hold on any day."""

from __future__ import annotations

import datetime as dt

import pytest

from models.base import utcnow
from models.cases.casework import claim_case, fetch_case
from tests.factories import OFFICE, advance, file_case
from tests.helpers import assert_problem


def days_ago(n: float) -> dt.datetime:
    return utcnow() - dt.timedelta(days=n)


@pytest.fixture
def inbox(session, calendar, accounts):
    """Cases of the market-regulation department in several states, and one of another department."""
    citizen, _ = accounts.citizen()
    officer, officer_headers = accounts.officer("SCJG")
    colleague = accounts.create("officer", "SCJG")
    foreign = accounts.create("officer", "JYJ")
    cases = {
        "waiting_old": file_case(session, calendar, citizen, now=days_ago(3)),
        "waiting_new": file_case(session, calendar, citizen, now=days_ago(1)),
        "overdue": file_case(session, calendar, citizen, now=days_ago(40)),  # promised 1 working day
        "due_soon": file_case(session, calendar, citizen, now=days_ago(0.01)),
        "due_later": file_case(session, calendar, citizen, "YW-SCJG-002", now=days_ago(0.01)),  # 5 days
        "paused": file_case(session, calendar, citizen, now=days_ago(30)),
        "approved": file_case(session, calendar, citizen, now=days_ago(20)),
        "foreign": file_case(session, calendar, citizen, "YW-JYJ-001", now=days_ago(2)),
    }
    advance(session, calendar, cases["overdue"], officer, "accept", now=days_ago(39))
    advance(session, calendar, cases["due_soon"], colleague, "accept", now=utcnow())
    advance(session, calendar, cases["due_later"], officer, "accept", now=utcnow())
    advance(session, calendar, cases["paused"], officer, "accept", now=days_ago(29))
    advance(session, calendar, cases["paused"], officer, "request_supplement", now=days_ago(28))
    advance(session, calendar, cases["approved"], officer, "accept", "approve", now=days_ago(19))
    advance(session, calendar, cases["foreign"], foreign, "accept", now=days_ago(1))
    claim_case(session, cases["waiting_old"], officer)
    session.commit()
    return {name: case.case_no for name, case in cases.items()}, officer, officer_headers


def names(inbox_cases, items):
    by_no = {no: name for name, no in inbox_cases.items()}
    return [by_no[item["case_no"]] for item in items]


def listing(client, headers, query=""):
    response = client.get(f"{OFFICE}{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_default_order_is_by_due_date_then_cases_not_yet_accepted(client, inbox):
    cases, _, headers = inbox
    body = listing(client, headers)
    assert names(cases, body["items"]) == ["overdue", "paused", "due_soon", "due_later", "waiting_old",
                                           "waiting_new"]
    assert body["next_cursor"] is None


def test_cursor_pages_walk_the_same_order(client, inbox):
    cases, _, headers = inbox
    seen, cursor = [], None
    while True:
        body = listing(client, headers, f"?limit=2{f'&cursor={cursor}' if cursor else ''}")
        assert len(body["items"]) <= 2
        seen += names(cases, body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == names(cases, listing(client, headers)["items"])
    assert_problem(client.get(f"{OFFICE}?cursor=bm90LWEtbGlzdA", headers=headers), 400, "bad-cursor")


def test_rows_are_compact_and_carry_the_deadline_and_buttons(client, inbox):
    cases, officer, headers = inbox
    rows = {row["case_no"]: row for row in listing(client, headers)["items"]}
    overdue = rows[cases["overdue"]]
    assert overdue["overdue"] is True and overdue["working_days_left"] < 0
    assert overdue["assigned_to"] == {"id": officer.id, "name": officer.name}
    assert overdue["allowed_actions"] == ["request_supplement", "approve", "reject"]
    assert overdue["can_claim"] is False and overdue["version"] == 2
    paused = rows[cases["paused"]]
    assert paused["overdue"] is False and paused["status"] == "supplement_requested"
    waiting = rows[cases["waiting_new"]]
    assert waiting["due_date"] is None and waiting["working_days_left"] is None and waiting["can_claim"] is True
    assert rows[cases["due_soon"]]["allowed_actions"] == []  # a colleague holds it
    assert rows[cases["due_later"]]["two_stage"] is True
    assert "form" not in overdue and "timeline" not in overdue


@pytest.mark.parametrize(("query", "expected"), [
    ("?status=submitted", ["waiting_old", "waiting_new"]),
    ("?status=closed", ["approved"]),
    ("?status=all", ["overdue", "paused", "approved", "due_soon", "due_later", "waiting_old", "waiting_new"]),
    ("?assigned=me", ["overdue", "paused", "due_later", "waiting_old"]),
    ("?assigned=unassigned", ["waiting_new"]),
    ("?overdue=true", ["overdue"]),
    ("?due_within=0", ["overdue"]),
    ("?due_within=1", ["overdue", "due_soon"]),
    ("?due_within=5", ["overdue", "due_soon", "due_later"]),
    ("?due_within=5&assigned=me", ["overdue", "due_later"]),
])
def test_filters(client, inbox, query, expected):
    cases, _, headers = inbox
    assert names(cases, listing(client, headers, query)["items"]) == expected


def test_updated_since_for_incremental_sync(client, inbox, session, calendar):
    cases, officer, headers = inbox
    mark = utcnow()
    advance(session, calendar, fetch_case(session, cases["waiting_old"]), officer, "accept")
    body = listing(client, headers, f"?updated_since={mark.isoformat().replace('+', '%2B')}")
    assert names(cases, body["items"]) == ["waiting_old"]


@pytest.mark.parametrize("query", ["?status=lost", "?assigned=someone", "?due_within=-1", "?overdue=perhaps",
                                   "?limit=0"])
def test_bad_filters_are_422(client, inbox, query):
    _, _, headers = inbox
    assert_problem(client.get(f"{OFFICE}{query}", headers=headers), 422, "validation-error")


def test_detail_shows_the_whole_case_with_its_etag(client, inbox):
    cases, officer, headers = inbox
    response = client.get(f"{OFFICE}/{cases['paused']}", headers=headers)
    body = response.get_json()
    assert response.headers["ETag"].startswith(f'"v{body["version"]}.')
    assert body["timeline"][-1]["missing_materials"] == ["经营场所使用证明"]
    assert body["statutory_due_date"] and body["paused_working_days"] == 0
    assert body["applicant"]["name"] and body["assigned_to"]["id"] == officer.id
    assert body["allowed_actions"] == [] and body["can_assign"] is False
    again = client.get(f"{OFFICE}/{cases['paused']}", headers={**headers, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_demo_data_fills_the_inbox_in_every_status(app, client, session, calendar):
    from models.demo import seed_demo

    seed_demo(session, passwords=app.extensions["yiwang.passwords"], vault=app.extensions["yiwang.vault"],
              calendar=calendar)

    def login(phone, password):
        token = client.post("/api/v1/auth/login", json={"phone": phone, "password": password}).get_json()
        return {"Authorization": f"Bearer {token['access_token']}"}

    officer = login("13900000001", "Officer#2026")
    everything = listing(client, officer, "?status=all")["items"]
    assert {item["status"] for item in everything} == {
        "submitted", "accepted", "supplement_requested", "pending_decision", "approved", "rejected", "not_accepted",
        "withdrawn"}
    assert any(item["allowed_actions"] for item in listing(client, officer)["items"])
    supervisor = login("13900000002", "Supervisor#2026")
    [item] = client.get("/api/v1/office/rectifications", headers=supervisor).get_json()["items"]
    assert item["level"] == 2 and item["status"] == "open"
    summary = client.get("/api/v1/services/YW-SCJG-003/ratings/summary").get_json()
    assert (summary["count"], summary["average"]) == (1, 5.0)
