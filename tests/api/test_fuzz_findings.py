"""The server errors that fuzzing the published spec found (issue #12, item 14), each now a 4xx or a success."""

from __future__ import annotations

import pytest

from tests.factories import file_case
from tests.helpers import assert_problem

BEYOND_64_BITS = "99999999999999999999"


@pytest.mark.parametrize("method, suffix", [("get", ""), ("post", "/publish"), ("post", "/repeal"), ("put", "")])
def test_a_policy_id_beyond_any_id_is_404(client, accounts, method, suffix):
    admin = accounts.headers(accounts.create("admin"))
    for policy_id in (BEYOND_64_BITS, str(2**31)):
        response = getattr(client, method)(f"/api/v1/policies/{policy_id}{suffix}", headers=admin,
                                           json={"title": "t", "body": "b"} if method == "put" else None)
        assert_problem(response, 404)


def test_other_numeric_ids_beyond_any_id_are_404(client, accounts):
    _, citizen = accounts.citizen()
    assert_problem(client.post(f"/api/v1/notifications/{BEYOND_64_BITS}/read", headers=citizen), 404)
    assert_problem(client.get(f"/api/v1/broadcasts/{BEYOND_64_BITS}"), 404)


@pytest.mark.parametrize("body", [{"title": "0", "body": "0"}, {"title": " ", "body": " "},
                                  {"title": "a", "body": "\n\n", "body_format": "markdown", "publish": True}])
def test_a_policy_with_no_text_beyond_its_title_is_created(client, accounts, body):
    admin = accounts.headers(accounts.create("admin"))
    created = client.post("/api/v1/policies", json=body, headers=admin)
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["passages"] == []


def test_text_that_cannot_be_stored_is_a_400(client, accounts):
    admin = accounts.headers(accounts.create("admin"))
    for raw in ('{"title": "a", "body": "x\\u0000y"}', '{"title": "\\ud800", "body": "b"}',
                '{"title": "a", "body": "b", "\\u0000": 1}'):
        assert_problem(client.post("/api/v1/policies", data=raw, content_type="application/json", headers=admin),
                       400, "bad-request")
    assert_problem(client.get("/api/v1/services/YW%00"), 400)
    assert_problem(client.get("/api/v1/services?q=%00"), 400)
    emoji = client.post("/api/v1/policies", data='{"title": "\\ud83d\\ude00", "body": "b"}',
                        content_type="application/json", headers=admin)
    assert emoji.status_code == 201 and emoji.get_json()["title"] == "😀"  # a surrogate pair is a character


def test_numbers_in_bodies_are_bounded_like_ids(client, accounts, session, calendar):
    citizen = accounts.create()
    case = file_case(session, calendar, citizen, "YW-SCJG-003")
    _, supervisor = accounts.officer("SCJG", role="supervisor")
    body = assert_problem(client.post(f"/api/v1/office/cases/{case.case_no}/assign", headers=supervisor,
                                      json={"officer_id": 10**20}), 422)
    assert list(body["errors"]) == ["officer_id"]
