"""The retrieval answer: each outcome of GET /assistant/answer as the citizen reads it, with its kind."""

import json

from conftest import API, make_tracker, run_action, texts
from rasa_sdk.events import SlotSet

from actions.retrieval import ActionAnswerPolicy, ActionExpandAnswer, ActionFallback

ANSWER = f"{API}/assistant/answer"
POLICY = {
    "text": "国家政务外网由中央政务外网和地方政务外网组成，按照统一规划、分级负责的原则进行建设。",
    "more": "国家政务外网由中央政务外网和地方政务外网组成，按照统一规划、分级负责的原则进行建设。政务外网是服务网络。",
    "source": "电子政务与公共服务 › 三、电子公共服务的发展 › （一）、发展目标",
    "title": "电子政务与公共服务", "heading_path": ["三、电子公共服务的发展", "（一）、发展目标"], "policy_id": 1,
}


def answer(outcome, **parts):
    return {"query": "q", "language": "zh", "outcome": outcome, "services": [], "life_event": None, "policy": None,
            **parts}


def kinds(dispatcher):
    return [m["custom"]["kind"] for m in dispatcher.messages]


def test_a_policy_answer_is_quoted_with_its_source_and_keeps_more_for_later(api, dispatcher):
    api.get(ANSWER, json=answer("policy", policy=POLICY))
    tracker = make_tracker("国家政务外网的建设目标是什么", "ask_policy")

    events = run_action(ActionAnswerPolicy(), dispatcher, tracker, {})

    assert texts(dispatcher) == [POLICY["text"] + "\n——来源：" + POLICY["source"]]
    assert kinds(dispatcher) == ["answer"]
    assert events == [SlotSet("answer_more", json.dumps({"text": POLICY["more"], "source": POLICY["source"]}))]
    assert api.calls[0].request.params == {"q": "国家政务外网的建设目标是什么", "scope": "policy"}


def test_show_more_gives_the_wider_text_once(dispatcher):
    stored = json.dumps({"text": POLICY["more"], "source": POLICY["source"]})
    tracker = make_tracker("展开", "expand_answer", slots={"answer_more": stored})
    assert run_action(ActionExpandAnswer(), dispatcher, tracker, {}) == [SlotSet("answer_more", None)]
    assert texts(dispatcher) == [POLICY["more"] + "\n——来源：" + POLICY["source"]]

    again = make_tracker("展开", "expand_answer")
    run_action(ActionExpandAnswer(), dispatcher, again, {})
    assert texts(dispatcher)[-1].startswith("这就是原文的全部相关内容了")


def test_english_policy_answer_says_it_quotes_chinese(api, dispatcher):
    api.get(ANSWER, json=answer("policy", policy=POLICY))
    tracker = make_tracker("What is the national government extranet for?", "nlu_fallback", slots={"language": "en"})

    run_action(ActionFallback(), dispatcher, tracker, {})

    assert texts(dispatcher)[0].startswith("Here is what the published policy says (quoted in Chinese):\n“国家政务外网")
    assert texts(dispatcher)[0].endswith("Source: " + POLICY["source"])


def test_one_service_is_introduced_from_its_guide_and_remembered(api, dispatcher, guide_zh):
    api.get(ANSWER, json=answer("service", services=[{"code": "YW-SCJG-001", "name": "企业设立登记"}]))
    api.get(f"{API}/services/YW-SCJG-001", json=guide_zh)
    tracker = make_tracker("我想注册一家有限公司", "nlu_fallback")

    events = run_action(ActionFallback(), dispatcher, tracker, {})

    assert events == [SlotSet("service", "YW-SCJG-001")]
    assert texts(dispatcher)[0] == "根据您的描述，相关的事项是："
    assert texts(dispatcher)[1].startswith("「企业设立登记」（示范市市场监督管理局）")
    assert kinds(dispatcher) == ["answer", "answer"]


def test_close_services_are_offered_as_choices_with_their_names_in_the_text(api, dispatcher):
    services = [{"code": "YW-SCJG-001", "name": "企业设立登记"}, {"code": "YW-SCJG-003", "name": "个体工商户设立登记"}]
    api.get(ANSWER, json=answer("choices", services=services))

    run_action(ActionFallback(), dispatcher, make_tracker("办执照", "nlu_fallback"), {})

    [message] = dispatcher.messages
    assert message["text"] == "您要办的可能是以下事项之一：\n1. 企业设立登记\n2. 个体工商户设立登记\n请选择一个，我来介绍它。"
    assert [b["payload"] for b in message["buttons"]] == ['/ask_service_overview{"service": "YW-SCJG-001"}',
                                                           '/ask_service_overview{"service": "YW-SCJG-003"}']
    assert kinds(dispatcher) == ["choices"]


def test_a_life_event_lists_its_services_in_order(api, dispatcher):
    event = {"name": "开办餐饮店", "steps": [
        {"services": [{"code": "YW-SCJG-003", "name": "个体工商户设立登记"}, {"code": "YW-SCJG-001", "name": "企业设立登记"}],
         "note": "先办营业执照"},
        {"services": [{"code": "YW-SCJG-002", "name": "食品经营许可"}], "note": "再申请食品经营许可"}]}
    api.get(ANSWER, json=answer("life_event", life_event=event))

    run_action(ActionFallback(), dispatcher, make_tracker("我想开个小饭馆，要办什么手续", "nlu_fallback"), {})

    assert texts(dispatcher) == ["「开办餐饮店」一般需要依次办理：\n1. 个体工商户设立登记或企业设立登记（先办营业执照）\n"
                                 "2. 食品经营许可（再申请食品经营许可）\n点选事项可查看办事指南。"]
    assert len(dispatcher.messages[0]["buttons"]) == 3


def test_abstaining_says_where_to_ask_instead_of_guessing(api, dispatcher):
    api.get(ANSWER, json=answer("abstain"))

    run_action(ActionFallback(), dispatcher, make_tracker("社保卡怎么补办", "out_of_scope"), {})

    [text] = texts(dispatcher)
    assert "12345" in text and "24 小时" in text and "转人工" in text
    assert kinds(dispatcher) == ["abstain"]


def test_a_policy_question_without_an_answer_says_so(api, dispatcher):
    api.get(ANSWER, json=answer("abstain"))
    run_action(ActionAnswerPolicy(), dispatcher, make_tracker("火星移民有什么政策", "ask_policy"), {})
    assert texts(dispatcher) == ["抱歉，在已公开的政策中没有找到可靠的答案。如需咨询，请拨打 12345 政务服务便民热线（24 小时）。"]


def test_a_complaint_found_by_the_backend_is_handed_over_with_the_reference(api, dispatcher):
    api.get(ANSWER, json=answer("handover"))
    tracker = make_tracker("窗口工作人员态度很差", "nlu_fallback", metadata={"conversation_id": "conv-12345678"})

    run_action(ActionFallback(), dispatcher, tracker, {})

    assert "conv-12345678" in texts(dispatcher)[0] and kinds(dispatcher) == ["handover"]


def test_the_backend_being_down_is_said_plainly(api, dispatcher):
    api.get(ANSWER, status=503)
    run_action(ActionFallback(), dispatcher, make_tracker("随便问问", "nlu_fallback"), {})
    assert texts(dispatcher) == ["抱歉，系统暂时无法访问，请稍后再试，或拨打 12345 政务服务便民热线。"]


def test_a_button_payload_or_nothing_searchable_asks_to_rephrase(dispatcher):
    run_action(ActionFallback(), dispatcher, make_tracker("/nonsense", "nlu_fallback"), {})
    assert texts(dispatcher)[0].startswith("抱歉，我没有理解您的意思") and kinds(dispatcher) == ["fallback"]


def test_a_question_the_backend_refuses_asks_to_rephrase(api, dispatcher):
    api.get(ANSWER, status=422, json={"type": "urn:yiwang:problem:validation", "title": "x", "status": 422,
                                      "detail": "x", "errors": {"q": ["Use between 1 and 500 characters."]}})
    run_action(ActionFallback(), dispatcher, make_tracker("很长" * 300, "nlu_fallback"), {})
    assert kinds(dispatcher) == ["fallback"]


