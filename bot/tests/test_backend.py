import pytest
from conftest import API

from actions.backend import BackendUnavailable, NotFound, NotSignedIn, Problem, YiwangApi


def test_headers_language_and_token(api):
    api.get(f"{API}/services", json={"items": [], "next_cursor": None})

    assert YiwangApi("en", "tok").search_services("passport") == []

    headers = api.calls[0].request.headers
    assert (headers["Accept-Language"], headers["Authorization"], headers["Accept"]) == (
        "en", "Bearer tok", "application/json")


def test_no_authorization_header_without_a_token(api):
    api.get(f"{API}/services/YW-SCJG-001", json={"code": "YW-SCJG-001"})

    YiwangApi("zh").service("YW-SCJG-001")

    assert "Authorization" not in api.calls[0].request.headers


def test_the_action_servers_key_is_sent_when_configured(api, monkeypatch):
    api.get(f"{API}/services", json={"items": [], "next_cursor": None})
    api.get(f"{API}/services", json={"items": [], "next_cursor": None})

    YiwangApi("zh").search_services("护照")
    monkeypatch.setenv("YIWANG_ASSISTANT_KEY", "the-action-servers-key")
    YiwangApi("zh").search_services("护照")

    assert "X-Assistant-Key" not in api.calls[0].request.headers
    assert api.calls[1].request.headers["X-Assistant-Key"] == "the-action-servers-key"


def test_personal_calls_need_a_token_before_any_request(api):
    with pytest.raises(NotSignedIn):
        YiwangApi("zh").open_cases()
    assert len(api.calls) == 0


def test_problem_details_are_kept(api):
    api.post(f"{API}/services/YW-SCJG-001/validate", status=422, json={
        "type": "about:blank", "title": "Invalid", "status": 422, "detail": "Invalid form.",
        "errors": {"form.contact_mobile": ["格式不正确。"], "form": ["未知字段。"]}})

    with pytest.raises(Problem) as raised:
        YiwangApi("zh").validate_form("YW-SCJG-001", {"contact_mobile": "1"})

    assert raised.value.status == 422
    assert raised.value.messages_for("contact_mobile") == ["格式不正确。"]
    assert raised.value.all_messages() == ["格式不正确。", "未知字段。"]


@pytest.mark.parametrize(("status", "body", "error"), [
    (404, {"title": "Not found"}, NotFound), (403, {"title": "Forbidden"}, NotSignedIn),
    (500, {"title": "Oops"}, BackendUnavailable), (200, None, BackendUnavailable)])
def test_status_mapping(api, status, body, error):
    if body is None:
        api.get(f"{API}/cases/YW20250301000012", status=status, body="<html>proxy page</html>")
    else:
        api.get(f"{API}/cases/YW20250301000012", status=status, json=body)

    with pytest.raises(error):
        YiwangApi("zh", "tok").case("YW20250301000012")


def test_timeout_setting_is_passed_to_requests(api, monkeypatch):
    monkeypatch.setenv("YIWANG_API_TIMEOUT", "1.5")
    api.get(f"{API}/cases", json={"items": []})

    assert YiwangApi("zh", "tok").open_cases() == []
    assert api.calls[0].request.req_kwargs["timeout"] == 1.5
