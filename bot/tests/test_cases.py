from conftest import API, make_tracker, run_action, texts

from actions.cases import ActionCaseStatus

TOKEN = {"token": "delegated-token", "language": "zh"}
CASE = {
    "case_no": "YW20250301000012",
    "service_code": "YW-SCJG-001",
    "service_name": "企业设立登记",
    "status": "accepted",
    "status_label": "已受理",
    "submitted_at": "2025-03-01T09:30:00+08:00",
    "due_date": "2025-03-04",
    "next_step": "等待审核",
}


def case_entity(value):
    return {"entity": "case_no", "value": value, "start": 0, "end": len(value), "extractor": "RegexEntityExtractor"}


def test_lists_open_cases_with_the_users_token(api, dispatcher):
    api.get(f"{API}/cases", json={"items": [CASE, {**CASE, "case_no": "YW20250302000001",
                                                      "service_name": "食品经营许可", "status_label": "待补正",
                                                      "next_step": "补交住所使用证明", "due_date": None}],
                                  "next_cursor": None})
    tracker = make_tracker("我的申请到哪一步了", "case_status", metadata=TOKEN)

    assert run_action(ActionCaseStatus(), dispatcher, tracker, {}) == []

    assert texts(dispatcher) == [
        "您有 2 件正在办理的事项：\n"
        "1. YW20250301000012「企业设立登记」已受理；下一步：等待审核；预计办结：2025-03-04\n"
        "2. YW20250302000001「食品经营许可」待补正；下一步：补交住所使用证明；预计办结：—"
    ]
    request = api.calls[0].request
    assert request.headers["Authorization"] == "Bearer delegated-token"
    assert request.params == {"status": "open"}


def test_one_case_by_number_in_english(api, dispatcher):
    api.get(f"{API}/cases/YW20250301000012", json={**CASE, "status_label": "Accepted",
                                                    "service_name": "Business establishment registration",
                                                    "next_step": "Waiting for review", "timeline": []})
    tracker = make_tracker("status of yw20250301000012", "case_status", [case_entity("yw20250301000012")],
                           slots={"language": "en"}, metadata=TOKEN)

    run_action(ActionCaseStatus(), dispatcher, tracker, {})

    assert texts(dispatcher) == [
        "YW20250301000012 · Business establishment registration\nStatus: Accepted\n"
        "Next step: Waiting for review\nDue: 2025-03-04"
    ]


def test_someone_elses_case_number_is_refused_without_saying_it_exists(api, dispatcher):
    api.get(f"{API}/cases/YW20250301000099", status=404,
            json={"type": "about:blank", "title": "Not found", "status": 404})
    tracker = make_tracker("查一下YW20250301000099", "case_status", [case_entity("YW20250301000099")],
                           metadata=TOKEN)

    run_action(ActionCaseStatus(), dispatcher, tracker, {})

    assert texts(dispatcher) == ["您名下没有编号为 YW20250301000099 的办件，请核对编号。"]


def test_no_open_cases(api, dispatcher):
    api.get(f"{API}/cases", json={"items": [], "next_cursor": None})

    run_action(ActionCaseStatus(), dispatcher, make_tracker("进度", "case_status", metadata=TOKEN), {})

    assert texts(dispatcher) == ["您目前没有正在办理的事项。"]


def test_without_a_token_asks_to_sign_in_and_calls_nothing(api, dispatcher):
    run_action(ActionCaseStatus(), dispatcher, make_tracker("我的申请到哪一步了", "case_status"), {})

    assert texts(dispatcher) == ["请先登录一网通办App，登录后我才能为您查询办件或在线申办。"]
    assert len(api.calls) == 0


def test_an_expired_token_asks_to_sign_in_again(api, dispatcher):
    api.get(f"{API}/cases", status=401, json={"type": "about:blank", "title": "Unauthorized", "status": 401})

    run_action(ActionCaseStatus(), dispatcher, make_tracker("进度", "case_status", metadata=TOKEN), {})

    assert texts(dispatcher) == ["请先登录一网通办App，登录后我才能为您查询办件或在线申办。"]


def test_backend_error_is_polite(api, dispatcher):
    api.get(f"{API}/cases", status=503, body="Service Unavailable")

    run_action(ActionCaseStatus(), dispatcher, make_tracker("进度", "case_status", metadata=TOKEN), {})

    assert texts(dispatcher) == ["抱歉，系统暂时无法访问，请稍后再试，或拨打 12345 政务服务便民热线。"]


def test_timeout_is_polite(api, dispatcher):
    import requests

    api.get(f"{API}/cases", body=requests.Timeout("slow"))

    run_action(ActionCaseStatus(), dispatcher, make_tracker("进度", "case_status", metadata=TOKEN), {})

    assert texts(dispatcher) == ["抱歉，系统暂时无法访问，请稍后再试，或拨打 12345 政务服务便民热线。"]

