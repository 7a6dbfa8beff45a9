"""Officers and supervisors working cases through /api/v1/office: happy paths, If-Match, offline replay
with Idempotency-Key, concurrent actions, claim/assign, field files, and who may reach what."""

from __future__ import annotations

import io

import pytest

from tests.factories import (
    OFFICE,
    act,
    act_ok,
    citizen_submits,
    file_case,
    office_case,
    png_bytes,
    race,
)
from tests.helpers import assert_problem


@pytest.fixture
def team(accounts):
    citizen, citizen_headers = accounts.citizen()
    officer, officer_headers = accounts.officer("SCJG")
    colleague, colleague_headers = accounts.officer("SCJG")
    supervisor, supervisor_headers = accounts.officer("SCJG", role="supervisor")
    return {
        "citizen": (citizen, citizen_headers), "officer": (officer, officer_headers),
        "colleague": (colleague, colleague_headers), "supervisor": (supervisor, supervisor_headers),
    }


def deadline_fields(body):
    return {k: body[k] for k in ("due_date", "working_days_left", "overdue")}


def test_single_stage_end_to_end_as_the_citizen_sees_it(client, team):
    _, citizen = team["citizen"]
    _, officer = team["officer"]
    case_no = citizen_submits(client, citizen)

    detail = office_case(client, officer, case_no)
    assert detail.headers["ETag"].startswith('"v1.')
    body = detail.get_json()
    assert body["allowed_actions"] == ["accept", "not_accept"] and body["can_claim"] and not body["can_assign"]
    assert body["applicant"]["phone"].startswith("138")

    claimed = client.post(f"{OFFICE}/{case_no}/claim", headers=officer)
    assert claimed.status_code == 200 and claimed.get_json()["assigned_to"]["id"] == team["officer"][0].id
    accepted = act_ok(client, officer, case_no, "accept", public_note="已受理", internal_note="现场核查通过")
    assert accepted["status"] == "accepted" and accepted["due_date"]
    supplement = act_ok(client, officer, case_no, "request_supplement", public_note="请补交租赁合同",
                        internal_note="出租方未签字", missing_materials=["经营场所使用证明（双方签字）"])
    assert supplement["status"] == "supplement_requested"

    mine = client.get(f"/api/v1/cases/{case_no}", headers=citizen).get_json()
    assert mine["status"] == "supplement_requested" and mine["allowed_actions"] == ["resubmit"]
    assert [e["action"] for e in mine["timeline"]] == ["submit", "accept", "request_supplement"]  # no claim
    assert mine["timeline"][2]["missing_materials"] == ["经营场所使用证明（双方签字）"]
    assert deadline_fields(mine) == deadline_fields(office_case(client, officer, case_no).get_json())

    upload = client.post(f"/api/v1/cases/{case_no}/attachments", headers=citizen, content_type="multipart/form-data",
                         data={"file": (io.BytesIO(png_bytes()), "lease.png"), "material": "2"})
    assert upload.status_code == 201, upload.get_json()
    resubmitted = client.post(f"/api/v1/cases/{case_no}/resubmit", headers=citizen,
                              json={"form": {"employee_count": 3}, "note": "已补交"})
    assert resubmitted.status_code == 200, resubmitted.get_json()
    step = resubmitted.get_json()["timeline"][-1]
    assert (step["action"], step["changed_fields"], step["public_note"]) == ("resubmit", ["employee_count"], "已补交")

    staff_view = office_case(client, officer, case_no).get_json()
    assert staff_view["timeline"][-1]["data"]["attachments"] == [upload.get_json()["id"]]
    assert staff_view["timeline"][-1]["data"]["changes"] == {"employee_count": {"from": 2, "to": 3}}
    approved = act_ok(client, officer, case_no, "approve", public_note="准予登记")
    assert approved["status"] == "approved" and approved["allowed_actions"] == [] and approved["closed_at"]

    final = client.get(f"/api/v1/cases/{case_no}", headers=citizen)
    text = final.get_data(as_text=True)
    assert "现场核查通过" not in text and "出租方未签字" not in text
    assert [e["action"] for e in final.get_json()["timeline"]] == [
        "submit", "accept", "request_supplement", "resubmit", "approve"]
    assert final.get_json()["can_rate"] is True and final.get_json()["rating"] is None
    internal = [e["internal_note"] for e in office_case(client, officer, case_no).get_json()["timeline"]]
    assert "现场核查通过" in internal and "出租方未签字" in internal


def test_two_stage_with_separation_of_duties(client, team, accounts):
    _, citizen = team["citizen"]
    _, officer = team["officer"]
    _, supervisor = team["supervisor"]
    case_no = citizen_submits(client, citizen, "YW-SCJG-001")
    act_ok(client, officer, case_no, "accept")
    body = office_case(client, officer, case_no).get_json()
    assert body["two_stage"] and "approve" not in body["allowed_actions"]
    assert set(body["allowed_actions"]) == {"request_supplement", "recommend_approve", "recommend_reject"}
    etag = office_case(client, officer, case_no).headers["ETag"]
    assert_problem(act(client, officer, case_no, "approve", etag), 409, "invalid-transition")

    pending = act_ok(client, officer, case_no, "recommend_approve", internal_note="符合条件")
    assert pending["status"] == "pending_decision" and pending["recommended_by"]["id"] == team["officer"][0].id
    etag = office_case(client, officer, case_no).headers["ETag"]
    assert_problem(act(client, officer, case_no, "approve", etag), 403, "forbidden")
    decided = act_ok(client, supervisor, case_no, "approve", public_note="准予设立登记")
    assert decided["status"] == "approved"

    # a supervisor who recommends cannot decide their own recommendation
    case_no = citizen_submits(client, citizen, "YW-SCJG-001")
    act_ok(client, supervisor, case_no, "accept")
    act_ok(client, supervisor, case_no, "recommend_reject", public_note="经营范围不规范")
    assert office_case(client, supervisor, case_no).get_json()["allowed_actions"] == []
    etag = office_case(client, supervisor, case_no).headers["ETag"]
    body = assert_problem(act(client, supervisor, case_no, "reject", etag, public_note="不予登记"), 403)
    assert body["detail"] == "提出审查意见的人员不能同时作出决定。"
    _, other_supervisor = accounts.officer("SCJG", role="supervisor")
    assert act_ok(client, other_supervisor, case_no, "reject", public_note="不予登记")["status"] == "rejected"


def test_actions_require_a_current_if_match(client, team, session, calendar):
    citizen, _ = team["citizen"]
    _, officer = team["officer"]
    case = file_case(session, calendar, citizen)
    assert_problem(act(client, officer, case.case_no, "accept", None), 428, "precondition-required")
    assert_problem(act(client, officer, case.case_no, "accept", '"not-an-etag"'), 412, "precondition-failed")
    assert_problem(act(client, officer, case.case_no, "accept", '"v99"'), 412, "precondition-failed")
    weak_or_plain = act(client, officer, case.case_no, "accept", f'"v{case.version}"')
    assert weak_or_plain.status_code == 200
    assert weak_or_plain.headers["ETag"] == f'"v{case.version + 1}"'
    assert_problem(act(client, officer, case.case_no, "approve", f'"v{case.version}"'), 412)


def test_if_match_follows_rfc_9110(client, team, session, calendar):
    """An ETag that is not the current one is 412 (only a missing If-Match is 428); ``*`` matches any version;
    an empty tag (``""``) is a tag that does not match, not a server error."""
    citizen, _ = team["citizen"]
    _, officer = team["officer"]
    case = file_case(session, calendar, citizen)
    for stale in ('""', 'W/"v1"', '"v1.xyz", "garbage"', '"v7"'):
        assert_problem(act(client, officer, case.case_no, "accept", stale), 412, "precondition-failed")
        assert_problem(client.post(f"/api/v1/office/cases/{case.case_no}/claim",
                                   headers={**officer, "If-Match": stale}), 412)
    claimed = client.post(f"/api/v1/office/cases/{case.case_no}/claim", headers={**officer, "If-Match": "*"})
    assert claimed.status_code == 200
    accepted = act(client, officer, case.case_no, "accept", "*")
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"


def test_action_body_is_validated(client, team, session, calendar):
    citizen, _ = team["citizen"]
    _, officer = team["officer"]
    case = file_case(session, calendar, citizen)
    etag = office_case(client, officer, case.case_no).headers["ETag"]
    body = assert_problem(act(client, officer, case.case_no, "fly", etag, colour="red"), 422, "validation-error")
    assert set(body["errors"]) == {"action", "colour"}
    body = assert_problem(act(client, officer, case.case_no, "not_accept", etag), 422)
    assert set(body["errors"]) == {"public_note"}
    assert_problem(act(client, officer, case.case_no, "withdraw", etag), 403)


def test_offline_replay_with_an_idempotency_key_applies_once(client, team, session, calendar):
    citizen, _ = team["citizen"]
    _, officer = team["officer"]
    case = file_case(session, calendar, citizen)
    etag = office_case(client, officer, case.case_no).headers["ETag"]
    first = act(client, officer, case.case_no, "accept", etag, key="queued-1", public_note="已受理")
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    for _ in range(2):  # the app lost the answer and replays the queue with the same stale ETag
        again = act(client, officer, case.case_no, "accept", etag, key="queued-1", public_note="已受理")
        assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
        assert again.get_json()["version"] == first.get_json()["version"]
    timeline = office_case(client, officer, case.case_no).get_json()["timeline"]
    assert [e["action"] for e in timeline] == ["submit", "accept"]
    assert_problem(act(client, officer, case.case_no, "not_accept", etag, key="queued-1", public_note="x"), 422,
                   "idempotency-key-reused")
    # the next queued action carries its own key and the ETag the first answer gave
    nxt = act(client, officer, case.case_no, "approve", first.headers["ETag"], key="queued-2")
    assert nxt.status_code == 200 and nxt.get_json()["status"] == "approved"


@pytest.mark.parametrize("round_", range(3))
def test_two_officers_acting_at_once_exactly_one_wins(app, client, team, session, calendar, round_):
    citizen, _ = team["citizen"]
    _, officer = team["officer"]
    _, colleague = team["colleague"]
    case = file_case(session, calendar, citizen)
    etag = office_case(client, officer, case.case_no).headers["ETag"]
    session.close()  # no open transaction of ours while the threads race
    first, second = race(app, [
        lambda c: act(c, officer, case.case_no, "accept", etag, key=f"a{round_}", public_note="受理"),
        lambda c: act(c, colleague, case.case_no, "not_accept", etag, key=f"b{round_}", public_note="不予受理"),
    ])
    codes = sorted([first.status_code, second.status_code])
    assert codes == [200, 412], [first.get_json(), second.get_json()]
    winner = first if first.status_code == 200 else second
    assert_problem(second if winner is first else first, 412, "precondition-failed")
    body = office_case(client, officer, case.case_no).get_json()
    assert body["status"] == winner.get_json()["status"]
    assert [e["action"] for e in body["timeline"]] == ["submit", winner.get_json()["timeline"][-1]["action"]]
    assert body["version"] == winner.get_json()["version"]


def test_concurrent_replays_of_one_queued_action_apply_it_once(app, client, team, session, calendar):
    citizen, _ = team["citizen"]
    _, officer = team["officer"]
    case = file_case(session, calendar, citizen)
    etag = office_case(client, officer, case.case_no).headers["ETag"]
    session.close()
    results = race(app, [lambda c: act(c, officer, case.case_no, "accept", etag, key="same")] * 4)
    assert [r.status_code for r in results] == [200] * 4, [r.get_json() for r in results]
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in results) == 3
    timeline = office_case(client, officer, case.case_no).get_json()["timeline"]
    assert [e["action"] for e in timeline] == ["submit", "accept"]


def test_claim_and_assign(client, team, session, calendar):
    citizen, _ = team["citizen"]
    officer, officer_headers = team["officer"]
    colleague, colleague_headers = team["colleague"]
    _, supervisor = team["supervisor"]
    case = file_case(session, calendar, citizen)
    claimed = client.post(f"{OFFICE}/{case.case_no}/claim", headers=officer_headers)
    assert claimed.status_code == 200 and claimed.headers["ETag"] == f'"v{claimed.get_json()["version"]}"'
    assert client.post(f"{OFFICE}/{case.case_no}/claim", headers=officer_headers).status_code == 200
    taken = assert_problem(client.post(f"{OFFICE}/{case.case_no}/claim", headers=colleague_headers), 409)
    assert officer.name in taken["detail"]
    assert office_case(client, colleague_headers, case.case_no).get_json()["allowed_actions"] == []
    assert_problem(client.post(f"{OFFICE}/{case.case_no}/claim", headers={
        **colleague_headers, "If-Match": '"v1"'}), 412)

    assert_problem(client.post(f"{OFFICE}/{case.case_no}/assign", json={"officer_id": colleague.id},
                               headers=officer_headers), 403)
    staff = client.get("/api/v1/office/staff", headers=supervisor).get_json()["items"]
    assert {s["id"]: s["open_cases"] for s in staff}[officer.id] == 1
    assigned = client.post(f"{OFFICE}/{case.case_no}/assign", headers=supervisor,
                           json={"officer_id": colleague.id, "internal_note": "就近办理"})
    assert assigned.status_code == 200 and assigned.get_json()["assigned_to"]["id"] == colleague.id
    step = assigned.get_json()["timeline"][-1]
    assert (step["action"], step["action_label"], step["from_status"], step["to_status"]) == (
        "assign", "指派承办人", "submitted", "submitted")
    assert step["internal_note"] == "就近办理"
    assert "accept" in office_case(client, colleague_headers, case.case_no).get_json()["allowed_actions"]

    body = assert_problem(client.post(f"{OFFICE}/{case.case_no}/assign", json={"officer_id": citizen.id},
                                      headers=supervisor), 422)
    assert set(body["errors"]) == {"officer_id"}
    assert_problem(client.post(f"{OFFICE}/{case.case_no}/assign", json={"officer_id": "x"}, headers=supervisor), 422)


def test_field_files_internal_or_public(client, team, session, calendar):
    citizen, citizen_headers = team["citizen"]
    _, officer = team["officer"]
    case = file_case(session, calendar, citizen)

    def upload(visibility=None):
        data = {"file": (io.BytesIO(png_bytes()), "现场照片.png")}
        if visibility:
            data["visibility"] = visibility
        return client.post(f"{OFFICE}/{case.case_no}/attachments", data=data, headers=officer,
                           content_type="multipart/form-data")

    internal, public = upload(), upload("public")
    assert internal.status_code == 201 and internal.get_json()["visibility"] == "internal"
    assert public.get_json()["visibility"] == "public" and public.get_json()["uploader_role"] == "officer"
    assert public.get_json()["case_version"] == office_case(client, officer, case.case_no).get_json()["version"]
    assert_problem(upload("secret"), 422)

    mine = client.get(f"/api/v1/cases/{case.case_no}", headers=citizen_headers).get_json()
    assert [a["id"] for a in mine["attachments"]] == [public.get_json()["id"]]
    staff = office_case(client, officer, case.case_no).get_json()
    assert {a["id"] for a in staff["attachments"]} == {internal.get_json()["id"], public.get_json()["id"]}
    file = client.get(f"{OFFICE}/{case.case_no}/attachments/{internal.get_json()['id']}", headers=officer)
    assert file.status_code == 200 and file.data == png_bytes()
    hidden = client.get(f"/api/v1/cases/{case.case_no}/attachments/{internal.get_json()['id']}",
                        headers=citizen_headers)
    assert_problem(hidden, 404)


def test_who_may_reach_the_office(client, team, accounts, session, calendar):
    citizen, citizen_headers = team["citizen"]
    _, officer = team["officer"]
    _, foreign = accounts.officer("JYJ")
    admin = accounts.headers(accounts.create("admin"))
    case = file_case(session, calendar, citizen)
    for path in ("/api/v1/office/cases", f"{OFFICE}/{case.case_no}", "/api/v1/office/stats",
                 "/api/v1/office/rectifications", "/api/v1/office/staff"):
        assert_problem(client.get(path, headers=citizen_headers), 403, "forbidden")
        assert_problem(client.get(path), 401)
    assert_problem(client.post(f"{OFFICE}/{case.case_no}/claim", headers=citizen_headers), 403)
    assert_problem(client.get(f"{OFFICE}/{case.case_no}", headers=admin), 403)
    assert_problem(client.get(f"{OFFICE}/{case.case_no}", headers=foreign), 404, "not-found")
    assert_problem(client.post(f"{OFFICE}/{case.case_no}/claim", headers=foreign), 404)
    assert_problem(act(client, foreign, case.case_no, "accept", '"v1"'), 404)
    assert_problem(client.get(f"{OFFICE}/YW20990101000001", headers=officer), 404)
    assert_problem(client.get("/api/v1/office/rectifications", headers=officer), 403)
