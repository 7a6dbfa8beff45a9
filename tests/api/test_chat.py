"""POST /chat: forwarding to Rasa with a delegated token, empty replies, and Rasa being down or slow."""

from __future__ import annotations

import time

import pytest

from models.demo import DATA
from models.policies.policy import import_policy_file
from tests.api.fake_rasa import FakeRasa
from tests.helpers import assert_problem


def chat(client, message, headers=None, **extra):
    return client.post("/api/v1/chat", json={"message": message, **extra}, headers=headers or {})


def test_anonymous_message_is_forwarded_with_the_language(client, rasa):
    rasa.answer = [{"text": "请问您要办理哪项业务？", "buttons": [{"title": "企业设立登记", "payload": '/ask_service_overview{"service":"YW-SCJG-001"}'}]}]
    response = chat(client, "我想开公司", {"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["replies"] == [{"text": "请问您要办理哪项业务？", "buttons": [
        {"title": "企业设立登记", "payload": '/ask_service_overview{"service":"YW-SCJG-001"}'}], "kind": "answer"}]
    assert body["language"] == "zh" and len(body["conversation_id"]) >= 16
    sent = rasa.requests[-1]
    assert sent["path"] == "/webhooks/rest/webhook"
    assert sent["body"]["message"] == "我想开公司"
    assert sent["body"]["sender"] == f"guest-{body['conversation_id']}"
    # no token for anonymous users; the conversation id lets a hand-over give the citizen a reference
    assert sent["body"]["metadata"] == {"language": "zh", "conversation_id": body["conversation_id"]}

    again = chat(client, "how long does it take", {"Accept-Language": "en"}, conversation_id=body["conversation_id"])
    assert again.get_json()["conversation_id"] == body["conversation_id"]
    assert rasa.requests[-1]["body"]["sender"] == sent["body"]["sender"]
    assert rasa.requests[-1]["body"]["metadata"]["language"] == "en"


def test_signed_in_users_get_their_own_sender_and_a_delegated_token(client, rasa, accounts):
    user, headers = accounts.citizen()
    other, other_headers = accounts.citizen()
    first = chat(client, "我的申请到哪一步了", headers, conversation_id="same-conversation-id").get_json()
    mine = rasa.requests[-1]["body"]
    chat(client, "我的申请到哪一步了", other_headers, conversation_id="same-conversation-id")
    theirs = rasa.requests[-1]["body"]
    assert mine["sender"] == f"user-{user.id}-same-conversation-id" != theirs["sender"]
    assert first["conversation_id"] == "same-conversation-id"
    token = {"Authorization": f"Bearer {mine['metadata']['token']}"}

    # The bot can read the user's cases with it ...
    assert client.get("/api/v1/cases", headers=token).status_code == 200
    assert client.get("/api/v1/me", headers=token).get_json()["id"] == user.id
    # ... but cannot act beyond the chat scope.
    assert_problem(client.patch("/api/v1/me", json={"name": "x"}, headers=token), 403)
    assert_problem(client.post("/api/v1/auth/logout", headers=token), 403)  # cannot sign the user out
    assert_problem(client.post("/api/v1/chat", json={"message": "hi"}, headers=token), 403)


def test_delegated_token_dies_with_the_sign_in(client, rasa, accounts):
    user = accounts.create()
    tokens = client.post("/api/v1/auth/login", json={"phone": user.phone, "password": user.password}).get_json()
    chat(client, "你好", {"Authorization": f"Bearer {tokens['access_token']}"})
    delegated = {"Authorization": f"Bearer {rasa.requests[-1]['body']['metadata']['token']}"}
    client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert_problem(client.get("/api/v1/cases", headers=delegated), 401)


def test_an_empty_answer_becomes_a_hand_over(client, rasa):
    rasa.answer = []
    body = chat(client, "随便问问", {"Accept-Language": "en"}).get_json()
    assert len(body["replies"]) == 1 and "12345" in body["replies"][0]["text"]
    assert body["replies"][0]["text"].startswith("Sorry")


def test_full_id_numbers_are_never_echoed(client, rasa):
    rasa.answer = [{"text": "您的身份证号是11010519491231002X，对吗？"}]
    text = chat(client, "我的身份证号是11010519491231002X").get_json()["replies"][0]["text"]
    assert "11010519491231002X" not in text and "110***********002X" in text


@pytest.mark.parametrize("failure", ["down", "slow", "error"])
def test_rasa_failing_answers_503_with_search_results_quickly(client, rasa, session, failure):
    import_policy_file(session, DATA / "policies" / "dianzi-zhengwu-yu-gonggong-fuwu.txt")
    session.commit()
    client.get("/api/v1/policies/search?q=warm-up")  # build the index outside the timed request
    if failure == "down":
        rasa.close()
    elif failure == "slow":
        rasa.delay = 3
    else:
        rasa.status, rasa.answer = 500, {"error": "boom"}
    started = time.monotonic()
    response = chat(client, "国家政务外网建设目标是什么")
    elapsed = time.monotonic() - started
    body = assert_problem(response, 503, "assistant-unavailable")
    assert response.headers["Retry-After"] == "30"
    assert "12345" in body["detail"]
    assert body["results"] and "政务外网" in body["results"][0]["text"]
    assert body["conversation_id"]
    assert elapsed < 3  # the bound on the fallback; the configured timeout here is 1 s


def test_readiness_reports_the_assistant_separately(client, rasa, session):
    ready = client.get("/readyz").get_json()
    assert ready["checks"] == {"database": "ok", "assistant": "ok", "actions": "ok"}
    rasa.close()
    degraded = client.get("/readyz")
    assert degraded.status_code == 200
    assert degraded.get_json()["checks"]["assistant"] == "unavailable"


def test_chat_input_is_validated(client, rasa):
    assert set(assert_problem(chat(client, ""), 422)["errors"]) == {"message"}
    assert_problem(chat(client, "x" * 1001), 422)
    assert set(assert_problem(chat(client, "hi", conversation_id="../../etc"), 422)["errors"]) == {"conversation_id"}
    assert rasa.requests == []


def test_several_rasa_servers_each_keep_their_own_conversations(app, client, session):
    first, second = FakeRasa(), FakeRasa()
    saved = {k: app.config[k] for k in ("RASA_URL", "ACTION_SERVER_URL")}
    app.config.update(RASA_URL=f"{first.url}, {second.url}/", ACTION_SERVER_URL=first.url)
    try:
        for fake in (first, second):
            fake.answer = [{"text": "好的"}]
        conversations = {}
        for _ in range(12):
            body = chat(client, "您好").get_json()
            conversations[body["conversation_id"]] = body
            for _ in range(2):
                assert chat(client, "再问一次", conversation_id=body["conversation_id"]).status_code == 200
        senders = [{r["body"]["sender"] for r in fake.requests if r["path"] == "/webhooks/rest/webhook"}
                   for fake in (first, second)]
        assert not senders[0] & senders[1], "a conversation went to two servers"
        assert senders[0] and senders[1], "one server got every conversation"
        assert senders[0] | senders[1] == {f"guest-{c}" for c in conversations}
        for fake in (first, second):
            per_sender = {}
            for r in fake.requests:
                if r["path"] == "/webhooks/rest/webhook":
                    per_sender[r["body"]["sender"]] = per_sender.get(r["body"]["sender"], 0) + 1
            assert set(per_sender.values()) == {3}

        assert client.get("/readyz").get_json()["checks"]["assistant"] == "ok"
        second.close()
        assert client.get("/readyz").get_json()["checks"]["assistant"] == "unavailable"
    finally:
        app.config.update(saved)
        first.close()
        second.close()


def test_no_rasa_server_configured_is_the_fallback_not_a_crash(app, client, rasa, session):
    app.config["RASA_URL"] = " , "
    response = chat(client, "国家政务外网的建设目标是什么")
    assert_problem(response, 503)
    assert client.get("/readyz").get_json()["checks"]["assistant"] == "unavailable"
