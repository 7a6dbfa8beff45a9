"""Conventions every endpoint follows: problem+json errors, ETags and 304, gzip, probes, OpenAPI."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from tests.helpers import assert_problem


def test_unknown_route_and_wrong_method_are_problems(client, session):
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert_problem(client.get("/nothing-here"), 404)
    body = assert_problem(client.delete("/api/v1/services"), 405, "method-not-allowed")
    assert body["detail"]


def test_get_has_an_etag_and_answers_304(client):
    first = client.get("/api/v1/services/YW-SCJG-001")
    etag = first.headers["ETag"]
    assert etag
    again = client.get("/api/v1/services/YW-SCJG-001", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other_language = client.get("/api/v1/services/YW-SCJG-001", headers={"If-None-Match": etag,
                                                                        "Accept-Language": "en"})
    assert other_language.status_code == 200
    assert "Accept-Language" in first.headers["Vary"]


def test_case_etag_carries_its_version(client, accounts):
    _, headers = accounts.citizen()
    form = {"organization_form": "individual", "premises_address": "示范市某路1号", "business_scope": "零售",
            "capital_amount": 1000, "employee_count": 1, "contact_mobile": "13800000001"}
    case = client.post("/api/v1/cases", json={"service_code": "YW-SCJG-003", "form": form}, headers=headers).get_json()
    detail = client.get(f"/api/v1/cases/{case['case_no']}", headers=headers)
    assert re.fullmatch(rf'"v{case["version"]}\.[0-9a-f]+"', detail.headers["ETag"])
    cached = client.get(f"/api/v1/cases/{case['case_no']}", headers={**headers,
                                                                     "If-None-Match": detail.headers["ETag"]})
    assert cached.status_code == 304


def test_responses_are_gzipped_when_accepted(client):
    plain = client.get("/api/v1/services?limit=100")
    zipped = client.get("/api/v1/services?limit=100", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.data)) == plain.get_json()
    assert len(zipped.data) < len(plain.data) / 2


def test_health_and_readiness(client, session):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["database"] == "ok"


def test_readiness_reports_an_unreachable_database(tmp_path):
    from api import create_app

    broken = create_app({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "APP_ENV": "test",
                         "INSTANCE_PATH": str(tmp_path)})
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["database"] == "unavailable"
    assert broken.test_client().get("/healthz").status_code == 200


def test_a_lost_update_answers_412_in_the_callers_language(app):
    """The one place a lost optimistic-concurrency race (another request moved the case's version on
    between our read and our UPDATE) becomes an HTTP answer."""
    from sqlalchemy.orm.exc import StaleDataError

    from api.problems import from_any

    with app.test_request_context("/api/v1/office/cases/YW1/actions", method="POST",
                                  headers={"Accept-Language": "en"}):
        response = from_any(StaleDataError("UPDATE statement on table 'cases' expected to update 1 row(s)"))
    body = assert_problem(response, 412, "precondition-failed")
    assert body["detail"] == "The case has changed since you loaded it; reload it and try again."


def test_production_refuses_a_default_secret(monkeypatch, tmp_path):
    from api import create_app
    from models.settings import ConfigError

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))  # no instance/secret_key left by `make run`
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    with pytest.raises(ConfigError, match="DATA_ENCRYPTION_KEY"):
        create_app()


def test_swagger_ui_and_spec(client):
    ui = client.get("/api/v1/docs")
    assert ui.status_code == 200 and b"swagger" in ui.data.lower()
    spec = client.get("/api/v1/swagger.json").get_json()
    assert spec["swagger"] == "2.0" and spec["basePath"] == "/api/v1"
    # The published models are the marshmallow schemas themselves.
    case_create = spec["definitions"]["CaseCreate"]
    assert set(case_create["required"]) == {"service_code", "form"}
    assert case_create["additionalProperties"] is False
    guide = spec["definitions"]["Guide"]
    assert guide["properties"]["form_fields"]["items"]["$ref"] == "#/definitions/FormField"
    assert "/cases/{case_no}/attachments" in spec["paths"]


def _spec_operations(client):
    spec = client.get("/api/v1/swagger.json").get_json()
    for path, item in spec["paths"].items():
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                yield method, path


GARBAGE_BODIES = [b"{", b"[]", b"null", b'{"a": 1}', json.dumps({"form": [1], "phone": {"x": 1}}).encode(),
                  "{\"name\": \"\u0000\"}".encode()]


def test_no_endpoint_answers_5xx_to_garbage(client, accounts):
    """Every documented operation, signed in as each role, with malformed bodies: 4xx problems, never 5xx."""
    roles = [{}] + [accounts.headers(accounts.create(r, "SCJG" if r in ("officer", "supervisor") else None))
                    for r in ("citizen", "officer", "supervisor", "admin")]
    checked = 0
    for method, path in _spec_operations(client):
        url = "/api/v1" + re.sub(r"\{[^}]+\}", "x'; DROP TABLE cases;--", path)
        url = url.replace("{attachment_id}", "1")
        for headers in roles:
            for body in GARBAGE_BODIES:
                response = client.open(url, method=method.upper(), data=body,
                                       headers={**headers, "Content-Type": "application/json"})
                assert response.status_code < 500, (method, url, response.get_data(as_text=True))
                if response.status_code >= 400:
                    assert response.mimetype == "application/problem+json", (method, url)
                checked += 1
    assert checked > 300


def test_every_swagger_reference_is_defined(client):
    spec = client.get("/api/v1/swagger.json").get_json()
    text = json.dumps(spec)
    referenced = set(re.findall(r'"#/definitions/([^"]+)"', text))
    assert referenced and referenced <= set(spec["definitions"]), referenced - set(spec["definitions"])


def test_a_doubled_slash_is_not_an_error(client, accounts):
    _, headers = accounts.officer()
    response = client.post("/api/v1/office/cases//actions", json={}, headers=headers)
    assert response.status_code < 500
