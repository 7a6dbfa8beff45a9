"""A citizen's applications: submission, idempotent retries, materials, withdrawal and privacy."""

from __future__ import annotations

import io
import re
import threading

import pytest

from tests.factories import png_bytes
from tests.helpers import assert_problem

FORM = {"organization_form": "individual", "premises_address": "示范市江湾区梧桐巷5号", "business_scope": "早餐制售",
        "capital_amount": 30000, "employee_count": 2, "contact_mobile": "13800000001"}


def submit(client, headers, service_code="YW-SCJG-003", form=None, key=None):
    extra = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/cases", json={"service_code": service_code, "form": form or FORM},
                       headers={**headers, **extra})


def test_submit_answers_201_with_the_case(client, accounts):
    _, headers = accounts.citizen()
    response = submit(client, headers)
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert re.fullmatch(r"YW\d{8}\d{6}", case["case_no"])
    assert case["status"] == "submitted" and case["status_label"] == "已提交"
    assert case["service_code"] == "YW-SCJG-003" and case["service_name"] == "个体工商户设立登记"
    assert case["submitted_at"].endswith("+00:00")
    assert "撤回" in case["next_step"]
    assert case["form"]["capital_amount"] == 30000
    assert case["allowed_actions"] == ["withdraw"]
    assert response.headers["Location"] == f"/api/v1/cases/{case['case_no']}"
    assert response.headers["ETag"] == f'"v{case["version"]}"'
    assert [e["action"] for e in case["timeline"]] == ["submit"]


def test_case_numbers_are_sequential_per_day(client, accounts):
    _, headers = accounts.citizen()
    first = submit(client, headers).get_json()["case_no"]
    second = submit(client, headers).get_json()["case_no"]
    assert first[:10] == second[:10] and int(second[10:]) == int(first[10:]) + 1


@pytest.mark.parametrize(("service_code", "form", "expected"), [
    ("YW-SCJG-003", {**FORM, "contact_mobile": "1234"}, {"form.contact_mobile": ["填写格式不正确。"]}),
    ("YW-SCJG-003", {**FORM, "organization_form": "corp"}, {"form.organization_form": ["请从列出的选项中选择。"]}),
    ("YW-SCJG-003", {**FORM, "capital_amount": "lots"}, {"form.capital_amount": ["不是有效的数字。"]}),
    ("YW-SCJG-003", {**FORM, "business_scope": ""}, {"form.business_scope": ["此项不能为空。"]}),
    ("YW-SCJG-003", {**FORM, "business_scope": "x" * 2001}, {"form.business_scope": ["内容过长。"]}),
    ("YW-SCJG-003", {**FORM, "hacker": 1}, {"form.hacker": ["未知字段。"]}),
    ("YW-SCJG-003", {**FORM, "employee_count": None}, {"form.employee_count": ["此项不能为空。"]}),
    ("YW-JYJ-001", {"child_name": "王小小", "child_birth_date": "2020-02-30", "child_gender": "male",
                    "household_type": "residence_permit", "home_address": "示范市某路", "sibling_in_school": "maybe",
                    "guardian_mobile": "13800000001"},
     {"form.child_birth_date": ["不是有效的日期（格式：YYYY-MM-DD）。"], "form.sibling_in_school": ["不是有效的是/否值。"]}),
    ("YW-ZWFW-001", {"credit_code": "91310101MA1FL5LX3K", "licence_types": ["business_licence", "nope"],
                     "handler_name": "赵敏", "handler_mobile": "13800000001", "allow_sharing": True},
     {"form.licence_types.1": ["请从列出的选项中选择。"]}),
    ("YW-ZWFW-001", {"credit_code": "91310101MA1FL5LX3K", "licence_types": [], "handler_name": "赵敏",
                     "handler_mobile": "13800000001", "allow_sharing": True},
     {"form.licence_types": ["此项不能为空。"]}),
])
def test_every_kind_of_field_error(client, accounts, service_code, form, expected):
    _, headers = accounts.citizen()
    body = assert_problem(submit(client, headers, service_code, form), 422, "validation-error")
    assert body["errors"] == expected


def test_all_missing_fields_are_reported_at_once(client, accounts):
    _, headers = accounts.citizen()
    body = assert_problem(submit(client, headers, form={"trade_name": "老王"}), 422)
    assert set(body["errors"]) == {f"form.{n}" for n in FORM}


@pytest.mark.parametrize("payload", [
    {"service_code": "YW-SCJG-003"},
    {"service_code": "YW-SCJG-003", "form": "not an object"},
    {"service_code": "YW-SCJG-003", "form": FORM, "extra": True},
    {"service_code": "", "form": FORM},
    [1, 2, 3],
])
def test_malformed_submissions(client, accounts, payload):
    _, headers = accounts.citizen()
    assert_problem(client.post("/api/v1/cases", json=payload, headers=headers), 422)


def test_unknown_or_inactive_service_is_404(client, accounts, session):
    from models.catalogue.service import fetch_service, set_service_active

    _, headers = accounts.citizen()
    assert_problem(submit(client, headers, "YW-NOPE-001"), 404)
    set_service_active(session, fetch_service(session, "YW-SCJG-003"), False)
    session.commit()
    assert_problem(submit(client, headers), 404)


def test_malformed_json_and_wrong_content_type(client, accounts):
    _, headers = accounts.citizen()
    broken = client.post("/api/v1/cases", data="{not json", headers={**headers, "Content-Type": "application/json"})
    assert_problem(broken, 400, "malformed-json")
    text = client.post("/api/v1/cases", data="service_code=x", headers={**headers, "Content-Type": "text/plain"})
    assert_problem(text, 415)


def test_oversized_json_body_is_413(client, accounts):
    _, headers = accounts.citizen()
    big = {"service_code": "YW-SCJG-003", "form": {**FORM, "business_scope": "x" * 300_000}}
    assert_problem(client.post("/api/v1/cases", json=big, headers=headers), 413)


def test_idempotent_retry_returns_the_same_case(client, accounts, session):
    from models.cases.case import Case

    _, headers = accounts.citizen()
    first = submit(client, headers, key="phone-retry-1")
    again = submit(client, headers, key="phone-retry-1")
    assert first.status_code == again.status_code == 201
    assert first.get_json()["case_no"] == again.get_json()["case_no"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert session.query(Case).count() == 1
    session.rollback()
    other = submit(client, headers, key="phone-retry-2")
    assert other.get_json()["case_no"] != first.get_json()["case_no"]


def test_idempotency_key_reused_for_another_request(client, accounts):
    _, headers = accounts.citizen()
    submit(client, headers, key="k-1")
    body = assert_problem(submit(client, headers, form={**FORM, "employee_count": 3}, key="k-1"), 422,
                          "idempotency-key-reused")
    assert body["detail"]


def test_idempotency_keys_are_per_user(client, accounts):
    _, alice = accounts.citizen()
    _, bob = accounts.citizen()
    assert submit(client, alice, key="same").get_json()["case_no"] != submit(client, bob, key="same").get_json()["case_no"]


def test_invalid_idempotency_key(client, accounts):
    _, headers = accounts.citizen()
    assert_problem(submit(client, headers, key="x" * 129), 400, "bad-idempotency-key")


def test_concurrent_retries_create_exactly_one_case(app, client, accounts, session):
    from models.cases.case import Case

    _, headers = accounts.citizen()
    barrier = threading.Barrier(6)
    results = []

    def worker():
        local = app.test_client()
        barrier.wait()
        results.append(submit(local, headers, key="flaky-network"))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [201] * 6, [r.get_json() for r in results]
    assert len({r.get_json()["case_no"] for r in results}) == 1
    session.rollback()
    assert session.query(Case).count() == 1


def test_list_my_cases_newest_first_with_status_filter_and_cursor(client, accounts):
    _, headers = accounts.citizen()
    numbers = [submit(client, headers).get_json()["case_no"] for _ in range(5)]
    client.post(f"/api/v1/cases/{numbers[0]}/withdraw", headers=headers)
    page1 = client.get("/api/v1/cases?limit=3", headers=headers).get_json()
    page2 = client.get(f"/api/v1/cases?limit=3&cursor={page1['next_cursor']}", headers=headers).get_json()
    listed = [c["case_no"] for c in page1["items"] + page2["items"]]
    assert listed == list(reversed(numbers))
    assert page2["next_cursor"] is None
    open_cases = client.get("/api/v1/cases?status=open", headers=headers).get_json()["items"]
    assert {c["case_no"] for c in open_cases} == set(numbers[1:])
    withdrawn = client.get("/api/v1/cases?status=withdrawn", headers=headers).get_json()["items"]
    assert [c["case_no"] for c in withdrawn] == [numbers[0]]
    assert_problem(client.get("/api/v1/cases?status=lost", headers=headers), 422)


def test_another_citizens_case_is_404_everywhere(client, accounts):
    _, owner = accounts.citizen()
    _, stranger = accounts.citizen()
    case_no = submit(client, owner).get_json()["case_no"]
    assert_problem(client.get(f"/api/v1/cases/{case_no}", headers=stranger), 404)
    assert_problem(client.post(f"/api/v1/cases/{case_no}/withdraw", headers=stranger), 404)
    upload = {"file": (io.BytesIO(png_bytes()), "a.png")}
    assert_problem(client.post(f"/api/v1/cases/{case_no}/attachments", data=upload, headers=stranger,
                               content_type="multipart/form-data"), 404)
    assert client.get("/api/v1/cases", headers=stranger).get_json()["items"] == []
    missing = assert_problem(client.get("/api/v1/cases/YW20990101999999", headers=stranger), 404)
    other = assert_problem(client.get(f"/api/v1/cases/{case_no}", headers=stranger), 404)
    assert missing["title"] == other["title"]


def test_staff_cannot_use_citizen_only_endpoints(client, accounts):
    _, citizen = accounts.citizen()
    case_no = submit(client, citizen).get_json()["case_no"]
    for role in ("officer", "supervisor", "admin"):
        user = accounts.create(role, "SCJG" if role != "admin" else None)
        headers = accounts.headers(user)
        assert_problem(submit(client, headers), 403)
        assert_problem(client.get("/api/v1/cases", headers=headers), 403)
        assert_problem(client.get(f"/api/v1/cases/{case_no}", headers=headers), 403)
        assert_problem(client.post(f"/api/v1/cases/{case_no}/withdraw", headers=headers), 403)


def test_withdraw_until_accepted(client, accounts, session, calendar):
    from models.cases.casework import fetch_case, perform_action

    citizen, headers = accounts.citizen()
    officer = accounts.create("officer", "SCJG")
    first = submit(client, headers).get_json()
    withdrawn = client.post(f"/api/v1/cases/{first['case_no']}/withdraw", headers=headers)
    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["status"] == "withdrawn" and withdrawn.get_json()["allowed_actions"] == []
    assert_problem(client.post(f"/api/v1/cases/{first['case_no']}/withdraw", headers=headers), 409,
                   "invalid-transition")

    second = submit(client, headers).get_json()
    case = fetch_case(session, second["case_no"])
    perform_action(session, case, officer, "accept", calendar=calendar)
    session.commit()
    body = assert_problem(client.post(f"/api/v1/cases/{second['case_no']}/withdraw", headers=headers), 409)
    assert "已受理" not in body["type"]


def test_withdraw_checks_if_match_when_sent(client, accounts):
    _, headers = accounts.citizen()
    case = submit(client, headers).get_json()
    stale = client.post(f"/api/v1/cases/{case['case_no']}/withdraw", headers={**headers, "If-Match": '"v99"'})
    assert_problem(stale, 412)
    fresh = client.post(f"/api/v1/cases/{case['case_no']}/withdraw",
                        headers={**headers, "If-Match": f'"v{case["version"]}"'})
    assert fresh.status_code == 200


def test_citizen_timeline_hides_internal_notes_and_officer_names(client, accounts, session, calendar):
    from models.cases.casework import fetch_case, perform_action

    _, headers = accounts.citizen()
    officer = accounts.create("officer", "SCJG", name="内部人员")
    case_no = submit(client, headers).get_json()["case_no"]
    perform_action(session, fetch_case(session, case_no), officer, "accept", calendar=calendar,
                   public_note="已受理，请等待审查。", internal_note="申请人曾有违规记录，重点审查。")
    session.commit()
    response = client.get(f"/api/v1/cases/{case_no}", headers=headers)
    text = response.get_data(as_text=True)
    assert "违规记录" not in text and "internal_note" not in text and "内部人员" not in text
    timeline = response.get_json()["timeline"]
    assert [e["action"] for e in timeline] == ["submit", "accept"]
    assert timeline[1]["public_note"] == "已受理，请等待审查。"
    assert timeline[1]["actor"] == "示范市市场监督管理局"
    body = response.get_json()
    assert body["status"] == "accepted" and body["due_date"] and body["working_days_left"] is not None


class TestAttachments:
    def upload(self, client, headers, case_no, content, filename, material=None):
        data = {"file": (io.BytesIO(content), filename)}
        if material is not None:
            data["material"] = material
        return client.post(f"/api/v1/cases/{case_no}/attachments", data=data, headers=headers,
                           content_type="multipart/form-data")

    def test_type_comes_from_the_content_not_the_name(self, client, accounts, app):
        _, headers = accounts.citizen()
        case_no = submit(client, headers).get_json()["case_no"]
        content = png_bytes()
        response = self.upload(client, headers, case_no, content, "licence.pdf", material="1")
        assert response.status_code == 201, response.get_json()
        stored = response.get_json()
        assert stored["content_type"] == "image/png" and stored["filename"] == "licence.png"
        import hashlib

        assert stored["sha256"] == hashlib.sha256(content).hexdigest() and stored["size"] == len(content)
        detail = client.get(f"/api/v1/cases/{case_no}", headers=headers).get_json()
        assert [a["id"] for a in detail["attachments"]] == [stored["id"]]
        assert detail["materials"][0]["provided"] is True
        download = client.get(f"/api/v1/cases/{case_no}/attachments/{stored['id']}", headers=headers)
        assert download.status_code == 200 and download.data == content and download.mimetype == "image/png"

    def test_pdf_and_jpeg_are_accepted_and_other_types_refused(self, client, accounts):
        _, headers = accounts.citizen()
        case_no = submit(client, headers).get_json()["case_no"]
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
        assert self.upload(client, headers, case_no, pdf, "a.pdf").get_json()["content_type"] == "application/pdf"
        assert self.upload(client, headers, case_no, jpeg, "b.jpg").get_json()["content_type"] == "image/jpeg"
        assert_problem(self.upload(client, headers, case_no, b"MZ\x90\x00" + b"\x00" * 300, "virus.pdf"), 415)
        assert_problem(self.upload(client, headers, case_no, b"hello world " * 30, "notes.png"), 415)
        gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" + b"\x00" * 50
        assert_problem(self.upload(client, headers, case_no, gif, "pic.png"), 415)

    def test_a_file_one_byte_over_10_mb_is_refused_and_not_kept(self, client, accounts, app):
        from pathlib import Path

        _, headers = accounts.citizen()
        case_no = submit(client, headers).get_json()["case_no"]
        content = png_bytes() + b"\x00" * (10 * 1024 * 1024 + 1 - len(png_bytes()))
        assert len(content) == 10 * 1024 * 1024 + 1
        body = assert_problem(self.upload(client, headers, case_no, content, "big.png"), 413)
        assert "10" in body["detail"]
        root = Path(app.config["UPLOAD_FOLDER"])
        assert not any(p.stat().st_size > 10 * 1024 * 1024 for p in root.rglob("*") if p.is_file())
        exactly = self.upload(client, headers, case_no, content[:-1], "max.png")
        assert exactly.status_code == 201

    def test_a_path_in_the_file_name_is_never_used(self, client, accounts, app):
        from pathlib import Path

        _, headers = accounts.citizen()
        case_no = submit(client, headers).get_json()["case_no"]
        response = self.upload(client, headers, case_no, png_bytes(), "../../../../etc/passwd.png")
        assert response.status_code == 201
        assert response.get_json()["filename"] == "passwd.png"
        root = Path(app.config["UPLOAD_FOLDER"]).resolve()
        stored = [p for p in root.rglob("*") if p.is_file()]
        assert stored and all(root in p.resolve().parents and "passwd" not in p.name for p in stored)
        windows = self.upload(client, headers, case_no, png_bytes(), "C:\\Users\\x\\身份证.png")
        name = windows.get_json()["filename"]
        assert name.endswith("身份证.png") and "\\" not in name and "/" not in name

    def test_missing_file_and_unknown_material(self, client, accounts):
        _, headers = accounts.citizen()
        case_no = submit(client, headers).get_json()["case_no"]
        none = client.post(f"/api/v1/cases/{case_no}/attachments", data={}, headers=headers,
                           content_type="multipart/form-data")
        assert set(assert_problem(none, 422)["errors"]) == {"file"}
        assert set(assert_problem(self.upload(client, headers, case_no, png_bytes(), "a.png", material="99"),
                                  422)["errors"]) == {"material"}

    def test_no_more_files_once_the_case_is_closed(self, client, accounts):
        _, headers = accounts.citizen()
        case_no = submit(client, headers).get_json()["case_no"]
        client.post(f"/api/v1/cases/{case_no}/withdraw", headers=headers)
        assert_problem(self.upload(client, headers, case_no, png_bytes(), "a.png"), 409)
