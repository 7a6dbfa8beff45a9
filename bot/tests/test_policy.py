import responses
from conftest import API, make_tracker, run_action, texts

from actions.policy import ActionAnswerPolicy, trim_passage

SEARCH = f"{API}/policies/search"
ITEM = {
    "policy_id": 1,
    "title": "电子政务与公共服务",
    "heading_path": ["第五节电子公共服务", "二、电子公共服务的特点"],
    "text": "电子公共服务具备传统的特点，同时提供网络化的服务平台，延长服务时间，拓宽了服务地点和地域。",
    "snippet": "提供网络化的服务平台，延长服务时间",
    "score": 0.83,
}


def test_answers_with_the_best_passage_and_its_source(api, dispatcher):
    api.get(SEARCH, json={"items": [ITEM, {**ITEM, "policy_id": 2, "title": "其他"}], "abstained": False})
    tracker = make_tracker("电子公共服务有什么特点", "ask_policy")

    assert run_action(ActionAnswerPolicy(), dispatcher, tracker, {}) == []

    assert texts(dispatcher) == [
        ITEM["text"] + "\n——来源：电子政务与公共服务 › 第五节电子公共服务 › 二、电子公共服务的特点"
    ]
    assert api.calls[0].request.params == {"q": "电子公共服务有什么特点", "k": "3"}


def test_english_question_gets_english_framing_and_the_chinese_quote(api, dispatcher):
    api.get(SEARCH, json={"items": [ITEM], "abstained": False})
    tracker = make_tracker("what are the features of electronic public services", "ask_policy",
                           slots={"language": "en"})

    run_action(ActionAnswerPolicy(), dispatcher, tracker, {})

    assert texts(dispatcher) == [
        "Here is what the published policy says (quoted in Chinese):\n“" + ITEM["text"] + "”\n"
        "Source: 电子政务与公共服务 › 第五节电子公共服务 › 二、电子公共服务的特点"
    ]
    assert api.calls[0].request.headers["Accept-Language"] == "en"


def test_abstained_search_says_it_does_not_know_and_offers_the_hotline(api, dispatcher):
    api.get(SEARCH, json={"items": [], "abstained": True})
    tracker = make_tracker("火星移民有什么政策", "ask_policy")

    run_action(ActionAnswerPolicy(), dispatcher, tracker, {})

    assert texts(dispatcher) == ["抱歉，在已公开的政策中没有找到可靠的答案。如需咨询，请拨打 12345 政务服务便民热线。"]


def test_a_long_passage_uses_the_snippet(api, dispatcher):
    long_item = {**ITEM, "text": "很长的段落。" * 60, "snippet": "与问题最相关的一段。"}
    api.get(SEARCH, json={"items": [long_item], "abstained": False})

    run_action(ActionAnswerPolicy(), dispatcher, make_tracker("问题", "ask_policy"), {})

    assert texts(dispatcher)[0].startswith("与问题最相关的一段。\n——来源：")


def test_backend_down(api, dispatcher):
    api.get(SEARCH, body=responses.ConnectionError("refused"))

    run_action(ActionAnswerPolicy(), dispatcher, make_tracker("政务公开有哪些规定", "ask_policy"), {})

    assert texts(dispatcher) == ["抱歉，系统暂时无法访问，请稍后再试，或拨打 12345 政务服务便民热线。"]


def test_trim_keeps_whole_sentences_for_a_phone_screen():
    sentence = "这是一个二十个字左右的完整句子用于测试截断。"
    text = sentence * 20

    trimmed = trim_passage(text)

    assert len(trimmed) <= 200
    assert trimmed.endswith("。")
    assert trimmed == sentence * (200 // len(sentence))


def test_trim_cuts_one_long_sentence_with_an_ellipsis_and_drops_markup():
    assert trim_passage("<em>字</em>" * 300) == "字" * 199 + "…"
