import json

import responses
from conftest import API, make_tracker, run_action, service_entity, texts
from rasa_sdk.events import SlotSet

from actions.service_guide import (
    ActionServiceFee,
    ActionServiceLocation,
    ActionServiceMaterials,
    ActionServiceOnline,
    ActionServiceOverview,
    ActionServiceTime,
)

GUIDE_URL = f"{API}/services/YW-SCJG-001"


def test_materials_in_chinese_from_the_guide(api, dispatcher, guide_zh):
    api.get(GUIDE_URL, json=guide_zh)
    tracker = make_tracker("办营业执照需要什么材料", "ask_service_materials", [service_entity("YW-SCJG-001")],
                           slots={"service": "YW-SCJG-001"})

    events = run_action(ActionServiceMaterials(), dispatcher, tracker, {})

    assert events == [SlotSet("service", "YW-SCJG-001")]
    assert texts(dispatcher) == [
        "办理「企业设立登记」需要准备的材料：\n"
        "1. 公司登记（备案）申请书：原件；1份；可交电子版；在线填写后自动生成，由全体股东电子签名\n"
        "2. 公司章程：原件；1份；可交电子版；可使用网上提供的章程示范文本\n"
        "3. 股东、法定代表人身份证明：通过实名认证自动核验，无需上传\n"
        "4. 住所使用证明：复印件；1份；可交电子版；房屋产权证明或租赁合同；不动产登记信息可查询的免交\n"
        "5. 前置审批文件（非必需）：复印件；1份；可交电子版；仅限法律、行政法规规定设立前须经批准的行业"
    ]
    assert api.calls[0].request.headers["Accept-Language"] == "zh-CN"


def test_time_in_english_with_steps(api, dispatcher, guide_en):
    api.get(GUIDE_URL, json=guide_en)
    tracker = make_tracker("how long does a business licence take", "ask_service_time",
                           [service_entity("YW-SCJG-001")], slots={"language": "en"})

    run_action(ActionServiceTime(), dispatcher, tracker, {})

    assert texts(dispatcher) == [
        "Business establishment registration: legal time limit 3 working days; done within 1 working day.\n"
        "Steps: Apply online → Acceptance and review (1 working day) → Decision → Licence issued"
    ]
    assert api.calls[0].request.headers["Accept-Language"] == "en"


def test_fee_location_online_and_overview_use_the_remembered_service(api, dispatcher, guide_zh):
    for _ in range(4):
        api.get(GUIDE_URL, json=guide_zh)
    tracker = make_tracker("那要多少钱", "ask_service_fee", slots={"service": "YW-SCJG-001"})

    for action in (ActionServiceFee(), ActionServiceLocation(), ActionServiceOnline(), ActionServiceOverview()):
        run_action(action, dispatcher, tracker, {})

    assert texts(dispatcher) == [
        "「企业设立登记」：不收费",
        "「企业设立登记」\n办理地点：示范市世纪大道1号示范市民中心一楼B区企业开办专区\n"
        "办公时间：周一至周五 9:00-17:00，周六 9:00-12:00（法定节假日除外）\n咨询电话：021-12340101",
        "「企业设立登记」：可以网上办理（一网通办App或网站）\n办理渠道：网上办理、窗口办理、手机App；到现场次数：0。",
        "「企业设立登记」（示范市市场监督管理局）\n" + guide_zh["summary"] + "\n"
        "办理对象：企业和组织｜时限：法定时限3个工作日，承诺1个工作日办结｜收费：不收费\n"
        "您可以继续问我：需要什么材料、多久办好、在哪里办、能否网上办。",
    ]


def test_a_keyword_shared_by_several_services_offers_buttons(api, dispatcher):
    api.get(f"{API}/services", json={"items": [
        {"code": "YW-SCJG-001", "name": "企业设立登记"},
        {"code": "YW-ZWFW-001", "name": "电子证照申领"},
    ], "next_cursor": None})
    tracker = make_tracker("执照要带什么", "ask_service_materials", [service_entity("执照")],
                           slots={"service": "执照"})

    events = run_action(ActionServiceMaterials(), dispatcher, tracker, {})

    assert events == []
    assert dispatcher.messages[0]["text"] == "请问您指的是哪一个事项？"
    assert dispatcher.messages[0]["buttons"] == [
        {"title": "企业设立登记", "payload": '/ask_service_materials{"service": "YW-SCJG-001"}'},
        {"title": "电子证照申领", "payload": '/ask_service_materials{"service": "YW-ZWFW-001"}'},
    ]
    assert api.calls[0].request.params == {"q": "执照", "limit": "5"}


def test_a_single_search_hit_for_a_recognised_name_is_answered(api, dispatcher, guide_zh):
    api.get(f"{API}/services", json={"items": [{"code": "YW-SCJG-001", "name": "企业设立登记"}]})
    api.get(GUIDE_URL, json=guide_zh)
    tracker = make_tracker("营业执照收费吗", "ask_service_fee", [service_entity("营业执照")])

    events = run_action(ActionServiceFee(), dispatcher, tracker, {})

    assert events == [SlotSet("service", "YW-SCJG-001")]
    assert texts(dispatcher) == ["「企业设立登记」：不收费"]


ABSTAIN = {"outcome": "abstain", "services": [], "life_event": None, "policy": None}


def test_free_text_the_backend_cannot_place_only_offers_keyword_hits(api, dispatcher):
    api.get(f"{API}/assistant/answer", json=ABSTAIN)
    api.get(f"{API}/services", json={"items": [{"code": "YW-GAJ-001", "name": "居民身份证换领"}]})
    tracker = make_tracker("我的证件快过期了要准备什么", "ask_service_materials")

    run_action(ActionServiceMaterials(), dispatcher, tracker, {})

    assert dispatcher.messages[0]["buttons"] == [
        {"title": "居民身份证换领", "payload": '/ask_service_materials{"service": "YW-GAJ-001"}'}
    ]


def test_no_service_and_no_hit_asks_which_service(api, dispatcher):
    api.get(f"{API}/assistant/answer", json=ABSTAIN)
    api.get(f"{API}/services", json={"items": []})
    tracker = make_tracker("需要什么材料", "ask_service_materials")

    run_action(ActionServiceMaterials(), dispatcher, tracker, {})

    assert texts(dispatcher) == ["请问是哪个事项？请告诉我事项名称，例如「营业执照」「身份证换领」。"]


def test_free_text_found_by_meaning_answers_the_question_asked(api, dispatcher, guide_zh):
    api.get(f"{API}/assistant/answer", json={**ABSTAIN, "outcome": "service",
                                              "services": [{"code": "YW-SCJG-001", "name": "企业设立登记"}]})
    api.get(GUIDE_URL, json=guide_zh)
    tracker = make_tracker("注册有限公司要交钱吗", "ask_service_fee")

    assert run_action(ActionServiceFee(), dispatcher, tracker, {}) == [SlotSet("service", "YW-SCJG-001")]
    assert texts(dispatcher) == ["「企业设立登记」：不收费"]


def test_free_text_that_is_a_life_event_lists_its_services_instead_of_guessing_one(api, dispatcher):
    event = {"name": "开办餐饮店", "steps": [
        {"services": [{"code": "YW-SCJG-003", "name": "个体工商户设立登记"}], "note": "先办营业执照"},
        {"services": [{"code": "YW-SCJG-002", "name": "食品经营许可"}], "note": "再申请食品经营许可"}]}
    api.get(f"{API}/assistant/answer", json={**ABSTAIN, "outcome": "life_event", "life_event": event})
    tracker = make_tracker("我想开个小饭馆，要办什么手续", "ask_service_overview")

    run_action(ActionServiceOverview(), dispatcher, tracker, {})

    [text] = texts(dispatcher)
    assert text.index("个体工商户设立登记") < text.index("食品经营许可") and "义务教育" not in text


def test_unknown_code_clears_the_slot(api, dispatcher):
    api.get(f"{API}/services/YW-XX-999", status=404, json={"type": "about:blank", "title": "Not found",
                                                          "status": 404})
    tracker = make_tracker("/ask_service_fee", "ask_service_fee", [service_entity("YW-XX-999")])

    events = run_action(ActionServiceFee(), dispatcher, tracker, {})

    assert events == [SlotSet("service", None)]
    assert texts(dispatcher)[0].startswith("抱歉，没有找到这个事项。")


def test_backend_down_gets_a_polite_message(api, dispatcher):
    api.get(GUIDE_URL, body=responses.ConnectionError("refused"))
    tracker = make_tracker("营业执照在哪办", "ask_service_location", [service_entity("YW-SCJG-001")])

    events = run_action(ActionServiceLocation(), dispatcher, tracker, {})

    assert events == []
    assert texts(dispatcher) == ["抱歉，系统暂时无法访问，请稍后再试，或拨打 12345 政务服务便民热线。"]


def test_button_payload_is_valid_rasa_intent_syntax():
    from actions.service_lookup import ServiceChoice

    [button] = ServiceChoice(candidates=[{"code": "YW-SCJG-001", "name": "企业设立登记"}]).buttons("apply_service")
    intent, entities = button["payload"][1:].split("{", 1)
    assert intent == "apply_service"
    assert json.loads("{" + entities) == {"service": "YW-SCJG-001"}
