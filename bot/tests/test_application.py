import json

import pytest
from conftest import API, make_tracker, resolve, run_action, service_entity, texts
from rasa_sdk.events import SlotSet

from actions.application import ActionCancelApplication, ActionPrepareApplication, ActionSubmitApplication
from actions.application_answers import SKIPPED, InvalidAnswer, read_answer
from actions.application_form import (
    ActionAskApplicationAnswer,
    ActionAskApplicationConfirmed,
    ValidateApplicationForm,
)

TOKEN = {"token": "delegated-token"}
SERVICE = {"code": "YW-SCJG-001", "name": "企业设立登记"}
CLEARED = [SlotSet(slot, None) for slot in ("application_service", "application_fields", "application_values",
                                            "application_key", "application_answer", "application_confirmed",
                                            "application_ready")]


@pytest.fixture
def fields(guide_zh):
    return guide_zh["form_fields"]


def form_tracker(fields, values, text, intent="inform", slot="application_answer", metadata=None):
    return make_tracker(
        text, intent, metadata=metadata or TOKEN, active_loop="application_form",
        slots={"application_service": SERVICE, "application_fields": fields, "application_values": values,
               "requested_slot": slot, slot: text},
    )


def test_prepare_loads_the_form_fields_of_the_service(api, dispatcher, guide_zh):
    api.get(f"{API}/services/YW-SCJG-001", json=guide_zh)
    tracker = make_tracker("我要办理营业执照", "apply_service", [service_entity("YW-SCJG-001")], metadata=TOKEN)

    events = run_action(ActionPrepareApplication(), dispatcher, tracker, {})

    key = events[4]["value"]
    assert len(key) == 36
    assert events == [
        SlotSet("service", "YW-SCJG-001"),
        SlotSet("application_service", SERVICE),
        SlotSet("application_fields", guide_zh["form_fields"]),
        SlotSet("application_values", {}),
        SlotSet("application_key", key),
        SlotSet("application_answer", None),
        SlotSet("application_confirmed", None),
        SlotSet("application_ready", True),
    ]
    assert texts(dispatcher) == ["好的，我们来办理「企业设立登记」，共 8 项信息。回复「取消」可随时退出。"]


def test_prepare_without_sign_in_does_not_start(api, dispatcher):
    tracker = make_tracker("我要办理营业执照", "apply_service", [service_entity("YW-SCJG-001")])

    assert run_action(ActionPrepareApplication(), dispatcher, tracker, {}) == [SlotSet("application_ready", False)]
    assert texts(dispatcher) == ["请先登录一网通办App，登录后我才能为您查询办件或在线申办。"]


def test_prepare_with_an_ambiguous_name_offers_apply_buttons(api, dispatcher):
    api.get(f"{API}/services", json={"items": [SERVICE, {"code": "YW-SCJG-003", "name": "个体工商户设立登记"}]})
    tracker = make_tracker("我要办执照", "apply_service", [service_entity("执照")], metadata=TOKEN)

    assert run_action(ActionPrepareApplication(), dispatcher, tracker, {}) == [SlotSet("application_ready", False)]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == [
        '/apply_service{"service": "YW-SCJG-001"}', '/apply_service{"service": "YW-SCJG-003"}']


def test_prepare_a_service_without_form_fields(api, dispatcher, guide_zh):
    api.get(f"{API}/services/YW-SCJG-001", json={**guide_zh, "form_fields": []})
    tracker = make_tracker("我要办理营业执照", "apply_service", [service_entity("YW-SCJG-001")], metadata=TOKEN)

    events = run_action(ActionPrepareApplication(), dispatcher, tracker, {})

    assert events == [SlotSet("service", "YW-SCJG-001"), SlotSet("application_ready", False)]
    assert texts(dispatcher) == ["「企业设立登记」暂不支持在对话中申办。您可以问我办理地点和所需材料。"]


def test_asks_the_first_unanswered_field_with_its_help(dispatcher, fields):
    run_action(ActionAskApplicationAnswer(), dispatcher, form_tracker(fields, {}, ""), {})

    assert dispatcher.messages[0]["text"] == "（1/8）请填写「企业名称」（与名称自主申报结果一致）"
    assert dispatcher.messages[0]["buttons"] == []


def test_asks_a_choice_with_buttons(dispatcher, fields):
    run_action(ActionAskApplicationAnswer(), dispatcher, form_tracker(fields, {"company_name": "示范市快乐科技有限公司"}, ""), {})

    assert dispatcher.messages[0]["text"] == "（2/8）请填写「企业类型」"
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == [
        "有限责任公司", "股份有限公司", "合伙企业", "个人独资企业"]


def test_asks_an_optional_bool_with_yes_no_and_skip(dispatcher, fields):
    answered = {f["name"]: "x" for f in fields[:6]}

    run_action(ActionAskApplicationAnswer(), dispatcher, form_tracker(fields, answered, ""), {})

    assert dispatcher.messages[0]["text"] == "（7/8）请填写「申请免费刻制公章」（选填，可回复「跳过」）"
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["是", "否", "跳过"]


def test_an_answer_valid_for_the_backend_is_stored_and_the_next_field_asked(api, dispatcher, fields):
    api.post(f"{API}/services/YW-SCJG-001/validate",
             json={"valid": True, "form": {"company_name": "示范市快乐科技有限公司"}})

    events = resolve(ValidateApplicationForm().validate_application_answer(
        "示范市快乐科技有限公司", dispatcher, form_tracker(fields, {}, "示范市快乐科技有限公司"), {}))

    assert events == {"application_values": {"company_name": "示范市快乐科技有限公司"}, "application_answer": None}
    assert json.loads(api.calls[0].request.body) == {"form": {"company_name": "示范市快乐科技有限公司"}}
    assert dispatcher.messages == []


def test_the_backends_message_is_shown_and_the_field_asked_again(api, dispatcher, fields):
    api.post(f"{API}/services/YW-SCJG-001/validate", status=422, json={
        "type": "https://yiwang.example/problems/validation", "title": "Invalid form", "status": 422,
        "detail": "Some fields are invalid.", "errors": {"form.company_name": ["名称格式不正确。"]}})

    events = resolve(ValidateApplicationForm().validate_application_answer(
        "ABC", dispatcher, form_tracker(fields, {}, "ABC"), {}))

    assert events == {"application_answer": None}
    assert texts(dispatcher) == ["「企业名称」名称格式不正确。"]


def test_a_choice_is_read_by_label_and_sent_as_its_value(api, dispatcher, fields):
    api.post(f"{API}/services/YW-SCJG-001/validate", json={"valid": True, "form": {"company_type": "partnership"}})
    values = {"company_name": "示范市快乐科技有限公司"}

    events = resolve(ValidateApplicationForm().validate_application_answer(
        "合伙企业", dispatcher, form_tracker(fields, values, "合伙企业"), {}))

    assert events["application_values"] == {**values, "company_type": "partnership"}


def test_an_unreadable_choice_lists_the_options_without_calling_the_backend(api, dispatcher, fields):
    values = {"company_name": "示范市快乐科技有限公司"}

    events = resolve(ValidateApplicationForm().validate_application_answer(
        "随便", dispatcher, form_tracker(fields, values, "随便"), {}))

    assert events == {"application_answer": None}
    assert texts(dispatcher) == [
        "「企业类型」请从这些选项中选择：1. 有限责任公司、2. 股份有限公司、3. 合伙企业、4. 个人独资企业"]


def test_the_last_answer_completes_the_fields(api, dispatcher, fields):
    api.post(f"{API}/services/YW-SCJG-001/validate", json={"valid": True, "form": {"contact_mobile": "13812345678"}})
    values = {f["name"]: "x" for f in fields[:7]}

    events = resolve(ValidateApplicationForm().validate_application_answer(
        "13812345678", dispatcher, form_tracker(fields, values, "13812345678"), {}))

    assert events == {"application_values": {**values, "contact_mobile": "13812345678"},
                      "application_answer": "13812345678"}


def test_an_optional_field_can_be_skipped(dispatcher, fields):
    values = {f["name"]: "x" for f in fields[:6]}

    events = resolve(ValidateApplicationForm().validate_application_answer(
        "跳过", dispatcher, form_tracker(fields, values, "跳过"), {}))

    assert events == {"application_values": {**values, "need_free_seal": None}, "application_answer": None}


def test_summary_shows_labels_and_masks_id_numbers(dispatcher, fields):
    values = {"company_name": "示范市快乐科技有限公司", "company_type": "limited_liability", "registered_capital": 50,
              "registered_address": "示范市人民路1号", "business_scope": "软件开发",
              "legal_representative": "张伟 110101199003071234", "need_free_seal": None,
              "contact_mobile": "13812345678"}

    run_action(ActionAskApplicationConfirmed(), dispatcher, form_tracker(fields, values, "", slot="application_confirmed"), {})

    assert dispatcher.messages[0]["text"] == (
        "请核对「企业设立登记」的申请信息：\n企业名称：示范市快乐科技有限公司\n企业类型：有限责任公司\n注册资本（万元）：50\n"
        "住所：示范市人民路1号\n经营范围：软件开发\n法定代表人姓名：张伟 110101********1234\n申请免费刻制公章：（未填）\n"
        "联系手机：13812345678\n确认提交吗？"
    )
    assert dispatcher.messages[0]["buttons"] == [{"title": "确认提交", "payload": "/affirm"},
                                                 {"title": "取消", "payload": "/cancel"}]


@pytest.mark.parametrize(("text", "intent", "decision"), [
    ("/affirm", "affirm", True), ("确认", "affirm", True), ("不提交了", "deny", False), ("是", "inform", True)])
def test_confirmation(dispatcher, fields, text, intent, decision):
    tracker = form_tracker(fields, {}, text, intent=intent, slot="application_confirmed")

    events = ValidateApplicationForm().validate_application_confirmed(text, dispatcher, tracker, {})

    assert events == {"application_confirmed": decision}


def test_anything_else_at_confirmation_asks_again(dispatcher, fields):
    tracker = form_tracker(fields, {}, "等一下", intent="inform", slot="application_confirmed")

    assert ValidateApplicationForm().validate_application_confirmed("等一下", dispatcher, tracker, {}) == {
        "application_confirmed": None}
    assert texts(dispatcher) == ["请回复「确认」提交，或回复「取消」退出。"]


def test_submit_creates_the_case_once_with_the_forms_key(api, dispatcher):
    api.post(f"{API}/cases", status=201, json={
        "case_no": "YW20250301000012", "status": "submitted", "service_code": "YW-SCJG-001",
        "service_name": "企业设立登记", "submitted_at": "2025-03-01T09:30:00+08:00", "next_step": "等待受理"})
    tracker = make_tracker("/affirm", "affirm", metadata=TOKEN, slots={
        "application_service": SERVICE, "application_values": {"company_name": "示范市快乐科技有限公司", "need_free_seal": None},
        "application_key": "7d7c1f0e-0000-4000-8000-000000000001", "application_confirmed": True})

    assert run_action(ActionSubmitApplication(), dispatcher, tracker, {}) == CLEARED

    request = api.calls[0].request
    assert json.loads(request.body) == {"service_code": "YW-SCJG-001", "form": {"company_name": "示范市快乐科技有限公司"}}
    assert request.headers["Idempotency-Key"] == "7d7c1f0e-0000-4000-8000-000000000001"
    assert request.headers["Authorization"] == "Bearer delegated-token"
    assert texts(dispatcher) == ["已提交！办件编号：YW20250301000012\n下一步：等待受理"]


def test_submit_rejected_by_the_backend_shows_its_messages(api, dispatcher):
    api.post(f"{API}/cases", status=422, json={"type": "about:blank", "title": "Invalid", "status": 422,
                                               "errors": {"form.contact_mobile": ["此项为必填项。"]}})
    tracker = make_tracker("/affirm", "affirm", metadata=TOKEN, slots={
        "application_service": SERVICE, "application_values": {}, "application_key": "k", "application_confirmed": True})

    assert run_action(ActionSubmitApplication(), dispatcher, tracker, {}) == CLEARED
    assert texts(dispatcher) == ["申请未能提交：此项为必填项。\n您可以重新申办，或拨打 12345 热线咨询。"]


def test_declined_confirmation_submits_nothing(api, dispatcher):
    tracker = make_tracker("不", "deny", metadata=TOKEN, slots={"application_service": SERVICE,
                                                                 "application_confirmed": False})

    assert run_action(ActionSubmitApplication(), dispatcher, tracker, {}) == CLEARED
    assert texts(dispatcher) == ["好的，已取消本次申办，没有提交任何信息。"]
    assert len(api.calls) == 0


def test_cancel_in_english(dispatcher):
    tracker = make_tracker("cancel", "cancel", slots={"language": "en"})

    assert run_action(ActionCancelApplication(), dispatcher, tracker, {}) == CLEARED
    assert texts(dispatcher) == ["OK, the application is cancelled and nothing was submitted."]


@pytest.mark.parametrize(("field", "text", "value"), [
    ({"type": "number", "required": True}, "50万", 50),
    ({"type": "number", "required": True}, "12,000.5 元", 12000.5),
    ({"type": "date", "required": True}, "2025年9月1日", "2025-09-01"),
    ({"type": "date", "required": True}, "2025/1/31", "2025-01-31"),
    ({"type": "bool", "required": True}, "需要", True),
    ({"type": "bool", "required": False}, "no", False),
    ({"type": "bool", "required": False}, "跳过", SKIPPED),
    ({"type": "string", "required": True}, "  张伟 ", "张伟"),
    ({"type": "choice", "required": True, "options": [{"value": "a", "label": "邮寄"}, {"value": "b", "label": "自取"}]},
     "2", "b"),
    ({"type": "multichoice", "required": True,
      "options": [{"value": "a", "label": "Catering"}, {"value": "b", "label": "Retail"}, {"value": "c", "label": "Online"}]},
     "catering, online", ["a", "c"]),
])
def test_reading_answers_by_field_type(field, text, value):
    assert read_answer(field, text) == value


@pytest.mark.parametrize(("field", "text", "reason"), [
    ({"type": "date", "required": True}, "下周一", "date"),
    ({"type": "date", "required": True}, "2025-02-30", "date"),
    ({"type": "number", "required": True}, "很多", "number"),
    ({"type": "string", "required": True}, "跳过", "required"),
    ({"type": "bool", "required": True}, "也许", "bool"),
])
def test_unreadable_answers(field, text, reason):
    with pytest.raises(InvalidAnswer) as raised:
        read_answer(field, text)
    assert raised.value.reason == reason
