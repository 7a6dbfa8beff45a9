"""Ratings through the API: the citizen rates a decided case once, a poor rating reaches the supervisor
as a rectification item, the reply comes back to the citizen, and the public summary is anonymous."""

from __future__ import annotations

import pytest

from tests.factories import advance, file_case, race
from tests.helpers import assert_problem

RECTIFICATIONS = "/api/v1/office/rectifications"


@pytest.fixture
def decided(session, calendar, accounts):
    citizen, citizen_headers = accounts.citizen()
    officer = accounts.create("officer", "SCJG")
    _, supervisor_headers = accounts.officer("SCJG", role="supervisor")
    case = file_case(session, calendar, citizen)
    advance(session, calendar, case, officer, "accept", "reject")
    return case.case_no, citizen_headers, supervisor_headers


def rate(client, headers, case_no, **body):
    return client.post(f"/api/v1/cases/{case_no}/rating", json=body, headers=headers)


def test_rate_once_and_read_it_back(client, decided):
    case_no, citizen, _ = decided
    assert_problem(client.get(f"/api/v1/cases/{case_no}/rating", headers=citizen), 404)
    created = rate(client, citizen, case_no, level=4, indicators={"efficiency": 5, "platform_usability": 3},
                   comment="窗口解释得很清楚")
    assert created.status_code == 201, created.get_json()
    assert created.headers["Location"] == f"/api/v1/cases/{case_no}/rating"
    body = created.get_json()
    assert (body["level"], body["level_label"], body["rectification"]) == (4, "满意", None)
    assert body["indicators"] == {"efficiency": 5, "platform_usability": 3}
    assert client.get(f"/api/v1/cases/{case_no}/rating", headers=citizen).get_json() == body
    case = client.get(f"/api/v1/cases/{case_no}", headers=citizen).get_json()
    assert case["rating"] == body and case["can_rate"] is False
    assert_problem(rate(client, citizen, case_no, level=5), 409, "conflict")
    english = client.get(f"/api/v1/cases/{case_no}/rating", headers={**citizen, "Accept-Language": "en"})
    assert english.get_json()["level_label"] == "Satisfied"


def test_ratings_rules(client, decided, accounts, session, calendar):
    case_no, citizen, supervisor = decided
    _, stranger = accounts.citizen()
    assert_problem(rate(client, stranger, case_no, level=5), 404)
    assert_problem(rate(client, supervisor, case_no, level=5), 403)
    body = assert_problem(rate(client, citizen, case_no, level=9, indicators={"speed": 2}), 422)
    assert set(body["errors"]) == {"level", "indicators.speed"}
    assert body["errors"]["level"] == ["请填写 1 至 5 的整数。"]
    body = assert_problem(rate(client, citizen, case_no, comment="好"), 422)
    assert set(body["errors"]) == {"level"}
    assert_problem(rate(client, citizen, case_no, level="5"), 422)
    assert_problem(rate(client, citizen, case_no, level=5, mood="happy"), 422)

    citizen_user, citizen_headers = accounts.citizen()
    pending = file_case(session, calendar, citizen_user)
    body = assert_problem(rate(client, citizen_headers, pending.case_no, level=5), 409)
    assert body["detail"] == "部门作出办理决定后才能评价该办件。"


def test_a_poor_rating_is_rectified_and_the_citizen_sees_the_reply(client, decided, accounts):
    case_no, citizen, supervisor = decided
    created = rate(client, citizen, case_no, level=2, comment="不予批准的理由没有讲清楚").get_json()
    assert created["rectification"]["status"] == "open" and created["rectification"]["reply"] == ""

    items = client.get(RECTIFICATIONS, headers=supervisor).get_json()["items"]
    assert [(i["case_no"], i["level"], i["level_label"], i["comment"]) for i in items] == [
        (case_no, 2, "不满意", "不予批准的理由没有讲清楚")]
    item = items[0]
    assert item["due_date"] == created["rectification"]["due_date"]
    assert item["working_days_left"] == 15 and item["overdue"] is False

    _, foreign_supervisor = accounts.officer("JYJ", role="supervisor")
    assert client.get(RECTIFICATIONS, headers=foreign_supervisor).get_json()["items"] == []
    assert_problem(client.post(f"{RECTIFICATIONS}/{item['id']}/close", json={"reply": "x"},
                               headers=foreign_supervisor), 404)
    _, officer = accounts.officer("SCJG")
    assert_problem(client.post(f"{RECTIFICATIONS}/{item['id']}/close", json={"reply": "x"}, headers=officer), 403)
    assert_problem(client.post(f"{RECTIFICATIONS}/{item['id']}/close", json={"reply": ""}, headers=supervisor), 422)

    reply = "已电话回访，补充说明了不予批准的法律依据，并指导重新申请。"
    closed = client.post(f"{RECTIFICATIONS}/{item['id']}/close", json={"reply": reply}, headers=supervisor)
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["status"] == "closed" and closed.get_json()["closed_by"]["name"]
    assert_problem(client.post(f"{RECTIFICATIONS}/{item['id']}/close", json={"reply": reply},
                               headers=supervisor), 409)
    assert client.get(RECTIFICATIONS, headers=supervisor).get_json()["items"] == []
    assert len(client.get(f"{RECTIFICATIONS}?status=closed", headers=supervisor).get_json()["items"]) == 1

    seen = client.get(f"/api/v1/cases/{case_no}", headers=citizen).get_json()["rating"]["rectification"]
    assert (seen["status"], seen["reply"]) == ("closed", reply) and seen["closed_at"]
    admin = accounts.headers(accounts.create("admin"))
    assert len(client.get(f"{RECTIFICATIONS}?status=all", headers=admin).get_json()["items"]) == 1


def test_two_ratings_sent_at_once_only_one_counts(app, client, decided, session):
    case_no, citizen, _ = decided
    session.close()
    results = race(app, [lambda c: rate(c, citizen, case_no, level=5), lambda c: rate(c, citizen, case_no, level=1)])
    assert sorted(r.status_code for r in results) == [201, 409], [r.get_json() for r in results]
    winner = next(r for r in results if r.status_code == 201).get_json()
    assert client.get(f"/api/v1/cases/{case_no}/rating", headers=citizen).get_json()["level"] == winner["level"]
    opened = client.get(RECTIFICATIONS, headers=decided[2]).get_json()["items"]
    assert len(opened) == (1 if winner["level"] == 1 else 0)


def test_public_summary_is_anonymous(client, accounts, session, calendar):
    officer = accounts.create("officer", "SCJG")
    for level, indicators in ((5, {"efficiency": 5}), (3, {"efficiency": 2, "convenience": 4}), (1, {})):
        citizen, headers = accounts.citizen()
        case = file_case(session, calendar, citizen)
        advance(session, calendar, case, officer, "not_accept")
        assert rate(client, headers, case.case_no, level=level, indicators=indicators,
                    comment="私人意见").status_code == 201
    response = client.get("/api/v1/services/YW-SCJG-003/ratings/summary")
    assert response.status_code == 200 and response.headers["ETag"]
    body = response.get_json()
    assert (body["service_code"], body["count"], body["average"]) == ("YW-SCJG-003", 3, 3.0)
    assert [(d["level"], d["label"], d["count"]) for d in body["distribution"]] == [
        (5, "非常满意", 1), (4, "满意", 0), (3, "基本满意", 1), (2, "不满意", 0), (1, "非常不满意", 1)]
    assert {i["name"]: i["average"] for i in body["indicators"]} == {
        "efficiency": 3.5, "guide_accuracy": None, "convenience": 4.0, "platform_usability": None}
    assert {i["label"] for i in body["indicators"]} == {"办事效率", "办事指南精确度", "办事便捷度", "平台操作性"}
    assert "私人意见" not in response.get_data(as_text=True)
    assert_problem(client.get("/api/v1/services/NOPE/ratings/summary"), 404)
    empty = client.get("/api/v1/services/YW-JYJ-001/ratings/summary", headers={"Accept-Language": "en"}).get_json()
    assert (empty["count"], empty["average"], empty["distribution"][0]["label"]) == (0, None, "Very satisfied")
