"""The service catalogue: filters, pagination, guides in both languages, and admin publishing."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from tests.factories import CATALOGUE
from tests.helpers import assert_problem

ALL_CODES = {s["code"] for s in CATALOGUE["services"]}


def codes(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["code"] for item in response.get_json()["items"]}


def test_list_pages_through_every_active_service_with_cursors(client):
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/services?limit=5" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).get_json()
        seen += [item["code"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == len(ALL_CODES)
    assert set(seen) == ALL_CODES


@pytest.mark.parametrize(("query", "expected"), [
    ("category=G2B", {s["code"] for s in CATALOGUE["services"] if s["for_whom"] == "legal_person"}),
    ("category=G2C", {s["code"] for s in CATALOGUE["services"] if s["for_whom"] == "natural_person"}),
    ("department=SCJG", {"YW-SCJG-001", "YW-SCJG-002", "YW-SCJG-003"}),
    ("department=SCJG&category=G2B", {"YW-SCJG-001", "YW-SCJG-002"}),
    ("q=营业执照", None),
    ("q=driving licence", {"YW-JJZD-001"}),
    ("q=DRIVING", {"YW-JJZD-001"}),
    ("q=身份证", {"YW-GAJ-001"}),
])
def test_filters(client, query, expected):
    found = codes(client.get(f"/api/v1/services?{query}&limit=100"))
    if expected is None:
        assert "YW-SCJG-001" in found
    else:
        assert found == expected


def test_page_size_sets_the_default_limit(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    body = client.get("/api/v1/services").get_json()
    assert len(body["items"]) == 3 and body["next_cursor"]
    assert len(client.get("/api/v1/services?limit=4").get_json()["items"]) == 4


def test_keyword_with_no_match_is_an_empty_page(client):
    assert client.get("/api/v1/services?q=zzzz-nothing").get_json() == {"items": [], "next_cursor": None}


def test_list_items_are_compact_and_localized(client):
    zh = client.get("/api/v1/services?department=SCJG", headers={"Accept-Language": "zh-CN"}).get_json()["items"]
    en = client.get("/api/v1/services?department=SCJG", headers={"Accept-Language": "en"}).get_json()["items"]
    first_zh, first_en = zh[0], en[0]
    assert first_zh["name"] == "企业设立登记" and first_en["name"] == "Business establishment registration"
    assert first_zh["type_label"] == "行政许可" and first_en["type_label"] == "Administrative licensing"
    assert "materials" not in first_zh and "form_fields" not in first_zh  # details are one call away


@pytest.mark.parametrize("query", ["cursor=%%%", "cursor=WzEsMiwzXQ", "cursor=bm90LWpzb24", "limit=0",
                                   "limit=abc", "category=G2X", "updated_since=yesterday",
                                   "updated_since=2026-01-01T00:00:00"])
def test_bad_list_arguments_are_4xx_problems(client, query):
    response = client.get(f"/api/v1/services?{query}")
    assert 400 <= response.status_code < 500
    assert_problem(response, response.status_code)


def test_updated_since_returns_only_changed_services(client, session):
    from models.catalogue.service import fetch_service, set_service_active

    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    assert codes(client.get(f"/api/v1/services?updated_since={later.isoformat().replace('+', '%2B')}")) == set()
    before = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).isoformat().replace("+", "%2B")
    set_service_active(session, fetch_service(session, "YW-GAJ-001"), True)
    session.commit()
    assert "YW-GAJ-001" in codes(client.get(f"/api/v1/services?updated_since={before}"))


def test_guide_in_the_callers_language(client):
    zh = client.get("/api/v1/services/YW-SCJG-001").get_json()
    en = client.get("/api/v1/services/YW-SCJG-001", headers={"Accept-Language": "en-US,en;q=0.8"}).get_json()
    assert zh["name"] == "企业设立登记"
    assert en["name"] == "Business establishment registration"
    for guide in (zh, en):
        assert guide["materials"] and guide["form_fields"] and guide["legal_basis"] and guide["steps"]
        assert guide["statutory_days"] >= guide["promised_days"] > 0
        assert guide["fee"]["free"] in (True, False)
        assert isinstance(guide["materials"][0]["name"], str)
        assert isinstance(guide["keywords"], list)
    assert en["materials"][0]["name"].isascii()
    assert en["form_fields"][0]["label"].isascii()
    assert client.get("/api/v1/services/YW-SCJG-001?lang=en").get_json()["name"] == en["name"]


def test_unknown_service_is_404(client):
    assert_problem(client.get("/api/v1/services/YW-NOPE-999"), 404, "not-found")


def _guide(code: str = "YW-TEST-001") -> dict:
    guide = copy.deepcopy(next(s for s in CATALOGUE["services"] if s["code"] == "YW-SCJG-003"))
    guide["code"] = code
    guide["name"] = {"zh": "测试事项", "en": "Test service"}
    return guide


def test_admin_publishes_updates_and_deactivates_a_service(client, accounts):
    admin = accounts.create("admin")
    headers = accounts.headers(admin)
    created = client.post("/api/v1/services", json=_guide(), headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["version"] == 1
    assert "YW-TEST-001" in codes(client.get("/api/v1/services?limit=100"))

    changed = _guide()
    changed["promised_days"] = 2
    updated = client.put("/api/v1/services/YW-TEST-001", json=changed, headers=headers)
    assert updated.status_code == 200 and updated.get_json()["version"] == 2
    assert updated.get_json()["promised_days"] == 2
    source = client.get("/api/v1/services/YW-TEST-001/source", headers=headers).get_json()
    assert source["name"] == {"zh": "测试事项", "en": "Test service"}

    off = client.put("/api/v1/services/YW-TEST-001/active", json={"active": False}, headers=headers)
    assert off.status_code == 200
    assert "YW-TEST-001" not in codes(client.get("/api/v1/services?limit=100"))
    assert_problem(client.get("/api/v1/services/YW-TEST-001"), 404)
    assert_problem(client.post("/api/v1/services", json=_guide(), headers=headers), 409)


def test_a_service_update_never_changes_submitted_cases(client, accounts):
    admin_headers = accounts.headers(accounts.create("admin"))
    citizen, headers = accounts.citizen()
    form = {"organization_form": "individual", "premises_address": "示范市某路1号", "business_scope": "零售",
            "capital_amount": 1000, "employee_count": 1, "contact_mobile": "13800000001"}
    case = client.post("/api/v1/cases", json={"service_code": "YW-SCJG-003", "form": form}, headers=headers)
    assert case.status_code == 201

    changed = next(copy.deepcopy(s) for s in CATALOGUE["services"] if s["code"] == "YW-SCJG-003")
    changed["materials"] = changed["materials"][:1]
    changed["form_fields"].append({"name": "extra_note", "label": {"zh": "备注", "en": "Note"}, "type": "text",
                                   "required": True, "pattern": None, "options": None, "help": None})
    assert client.put("/api/v1/services/YW-SCJG-003", json=changed, headers=admin_headers).status_code == 200

    detail = client.get(f"/api/v1/cases/{case.get_json()['case_no']}", headers=headers).get_json()
    assert detail["service_version"] == 1
    assert len(detail["materials"]) == len(CATALOGUE["services"][2]["materials"]) > 1
    # New applications use the new version and its new required field.
    again = client.post("/api/v1/cases", json={"service_code": "YW-SCJG-003", "form": form}, headers=headers)
    assert assert_problem(again, 422)["errors"] == {"form.extra_note": ["此项为必填项。"]}


def test_invalid_guide_reports_every_problem(client, accounts):
    headers = accounts.headers(accounts.create("admin"))
    guide = _guide("bad code")
    guide["promised_days"] = 99
    guide["statutory_days"] = 10
    guide["type"] = "whatever"
    guide["form_fields"][0]["type"] = "choice"
    guide["form_fields"][0]["options"] = None
    guide["fee"] = {"free": False, "amount": None, "basis": None}
    body = assert_problem(client.post("/api/v1/services", json=guide, headers=headers), 422)
    assert {"code", "type", "form_fields.0.options", "fee.amount"} <= set(body["errors"])


def test_only_admins_publish(client, accounts):
    for role in ("citizen", "officer"):
        user = accounts.create(role, "SCJG" if role == "officer" else None)
        assert_problem(client.post("/api/v1/services", json=_guide(), headers=accounts.headers(user)), 403)
    assert_problem(client.post("/api/v1/services", json=_guide()), 401)


def test_form_answers_can_be_checked_one_by_one(client):
    ok = client.post("/api/v1/services/YW-SCJG-003/validate", json={"form": {"contact_mobile": "13912345678"}})
    assert ok.status_code == 200 and ok.get_json()["valid"] is True
    bad = client.post("/api/v1/services/YW-SCJG-003/validate", json={"form": {"contact_mobile": "12345"}},
                      headers={"Accept-Language": "en"})
    assert assert_problem(bad, 422)["errors"] == {"form.contact_mobile": ["The value does not have the expected format."]}
