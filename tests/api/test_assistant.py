"""GET /assistant/answer, reply kinds and misses through POST /chat, POST /chat/feedback and the admins'
review list GET /admin/assistant/misses."""

from __future__ import annotations

import pytest

from models.demo import DATA
from models.policies.policy import import_policy_file
from tests.helpers import assert_problem


@pytest.fixture
def seeded(session):
    import_policy_file(session, DATA / "policies" / "dianzi-zhengwu-yu-gonggong-fuwu.txt")
    session.commit()
    return session



@pytest.fixture
def admin(accounts):
    user = accounts.create("admin")
    return accounts.headers(user)


def ask(client, q, **headers):
    return client.get("/api/v1/assistant/answer", query_string={"q": q}, headers=headers)


def test_a_service_found_by_meaning_comes_with_its_name_in_the_callers_language(client, seeded):
    body = ask(client, "身份证丢了怎么办").get_json()
    assert body["outcome"] == "service" and body["services"] == [{"code": "YW-GAJ-001", "name": "居民身份证换领"}]

    english = ask(client, "I lost my ID card", **{"Accept-Language": "en"}).get_json()
    assert english["services"] == [{"code": "YW-GAJ-001", "name": "Resident identity card renewal"}]


def test_a_life_event_comes_with_its_steps_in_order(client, seeded):
    body = ask(client, "我想开个小饭馆，要办什么手续").get_json()
    assert body["outcome"] == "life_event" and body["life_event"]["name"] == "开办餐饮店"
    steps = [[s["name"] for s in step["services"]] for step in body["life_event"]["steps"]]
    assert sorted(steps[0]) == ["个体工商户设立登记", "企业设立登记"] and steps[1] == ["食品经营许可"]


def test_a_policy_answer_is_extractive_and_cited(client, seeded):
    body = client.get("/api/v1/assistant/answer", query_string={"q": "What is the digital divide?", "lang": "en"}).get_json()
    policy = body["outcome"] == "policy" and body["policy"]
    assert policy and "数字鸿沟" in policy["text"] and len(policy["text"]) <= 120 and len(policy["more"]) >= len(policy["text"])
    assert policy["source"] == " › ".join([policy["title"], *policy["heading_path"]])
    passage = client.get(f"/api/v1/policies/{policy['policy_id']}").get_json()
    assert any(policy["text"] in "".join(p["text"].split()) for p in passage["passages"])  # verbatim


@pytest.mark.parametrize("question, outcome", [("我要投诉，窗口工作人员态度很差", "handover"), ("社保卡怎么补办", "abstain")])
def test_complaints_hand_over_and_off_catalogue_requests_abstain(client, seeded, question, outcome):
    assert ask(client, question).get_json()["outcome"] == outcome


def test_a_missing_question_is_a_translated_problem(client):
    body = assert_problem(client.get("/api/v1/assistant/answer", headers={"Accept-Language": "zh-CN"}), 422)
    assert body["errors"]["q"] == ["此项为必填项。"]


def test_reply_kinds_pass_through_and_misses_are_recorded_masked(client, rasa, admin):
    rasa.answer = [{"recipient_id": "x", "text": "抱歉，没有找到可靠的答案。"}, {"recipient_id": "x", "custom": {"kind": "abstain"}}]
    body = client.post("/api/v1/chat", json={"message": "我的手机13812345678和身份证110105194912310021怎么补办社保卡"}).get_json()
    assert body["replies"] == [{"text": "抱歉，没有找到可靠的答案。", "buttons": [], "kind": "abstain"}]

    rasa.answer = [{"text": "您好！"}, {"custom": {"kind": "smalltalk"}}, {"text": "第二条"}]
    replies = client.post("/api/v1/chat", json={"message": "你好"}).get_json()["replies"]
    assert [r["kind"] for r in replies] == ["smalltalk", "answer"]  # no kind given: an answer

    misses = client.get("/api/v1/admin/assistant/misses", headers=admin).get_json()["items"]
    assert len(misses) == 1 and misses[0]["kinds"] == {"abstain": 1} and misses[0]["count"] == 1
    assert misses[0]["sample"] == "我的手机138****5678和身份证110***********0021怎么补办社保卡"


def test_an_empty_answer_from_rasa_is_a_fallback_and_a_miss(client, rasa, admin):
    rasa.answer = []
    body = client.post("/api/v1/chat", json={"message": "嗯嗯啊啊"}).get_json()
    assert body["replies"][0]["kind"] == "fallback"
    assert client.get("/api/v1/admin/assistant/misses", headers=admin).get_json()["items"][0]["kinds"] == {"fallback": 1}


def test_feedback_is_recorded_and_thumbs_down_is_listed(client, admin):
    down = client.post("/api/v1/chat/feedback", json={"conversation_id": "conv-abcdefgh", "helpful": False,
                                                       "question": "营业执照多久能拿到", "comment": "答非所问"})
    assert down.status_code == 201 and down.get_json() == {"recorded": True}
    up = client.post("/api/v1/chat/feedback", json={"conversation_id": "conv-abcdefgh", "helpful": True})
    assert up.status_code == 201
    [group] = client.get("/api/v1/admin/assistant/misses", headers=admin).get_json()["items"]
    assert group["kinds"] == {"unhelpful": 1} and group["comments"] == ["答非所问"]


def test_invalid_feedback_is_a_problem(client):
    body = assert_problem(client.post("/api/v1/chat/feedback", json={"conversation_id": "x", "helpful": "perhaps"}), 422)
    assert set(body["errors"]) == {"conversation_id", "helpful"}


def test_misses_are_grouped_by_similar_question_newest_or_largest_first_and_paginated(client, rasa, admin):
    rasa.answer = [{"text": "抱歉"}, {"custom": {"kind": "abstain"}}]
    for message in ("社保卡怎么补办", "社保卡怎么补办？", "社保卡 怎么补办", "护照怎么办", "公积金怎么提取"):
        client.post("/api/v1/chat", json={"message": message})

    recent = client.get("/api/v1/admin/assistant/misses", headers=admin).get_json()["items"]
    assert [g["sample"] for g in recent] == ["公积金怎么提取", "护照怎么办", "社保卡 怎么补办"]
    assert [g["count"] for g in recent] == [1, 1, 3]

    first = client.get("/api/v1/admin/assistant/misses?order=count&limit=1", headers=admin).get_json()
    assert [g["count"] for g in first["items"]] == [3] and first["next_cursor"]
    rest = client.get(f"/api/v1/admin/assistant/misses?order=count&limit=5&cursor={first['next_cursor']}",
                      headers=admin).get_json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None


def test_only_admins_see_the_misses(client, accounts):
    assert_problem(client.get("/api/v1/admin/assistant/misses"), 401)
    _, citizen = accounts.citizen()
    assert_problem(client.get("/api/v1/admin/assistant/misses", headers=citizen), 403)
    assert_problem(client.get("/api/v1/admin/assistant/misses?order=sideways",
                              headers=accounts.headers(accounts.create("admin"))), 422)


def test_a_known_policy_question_searches_only_the_policies(client, seeded):
    body = client.get("/api/v1/assistant/answer", query_string={"q": "身份证丢了怎么办", "scope": "policy"}).get_json()
    assert body["outcome"] in ("policy", "abstain") and body["services"] == []
    cited = client.get("/api/v1/assistant/answer", query_string={"q": "国家政务外网的建设目标是什么", "scope": "policy"})
    assert cited.get_json()["outcome"] == "policy" and "政务外网" in cited.get_json()["policy"]["text"]
    assert_problem(client.get("/api/v1/assistant/answer", query_string={"q": "x", "scope": "everything"}), 422)
