"""Conversations with the real assistant through POST /api/v1/chat: Rasa, the action server and the API.

Phrasings come from the bot's own test stories, so these tests check the wiring (delegated tokens,
actions calling the API, replies and buttons), not the model's luck on new wordings; docs/assistant-
quality.md measures that on a held-out set.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.cases.case import Case
from models.demo import DATA
from models.policies.policy import import_policy_file
from tests.helpers import assert_problem


@pytest.fixture
def seeded(client, session):
    import_policy_file(session, DATA / "policies" / "dianzi-zhengwu-yu-gonggong-fuwu.txt")
    session.commit()
    client.get("/api/v1/policies/search?q=warm-up")  # index the seed now, not inside an action's time budget
    return session


class Conversation:
    def __init__(self, client, headers=None, language="zh-CN"):
        self.client, self.id = client, None
        self.headers = {**(headers or {}), "Accept-Language": language}

    def say(self, message: str) -> list[dict]:
        body = {"message": message, **({"conversation_id": self.id} if self.id else {})}
        response = self.client.post("/api/v1/chat", json=body, headers=self.headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        self.id = response.get_json()["conversation_id"]
        return response.get_json()["replies"]

    def text(self, message: str) -> str:
        return "\n".join(reply["text"] for reply in self.say(message))


def test_policy_question_is_answered_with_its_source(client, assistant, seeded):
    answer = Conversation(client).text("国家政务外网的建设目标是什么")
    assert "政务外网" in answer
    assert "电子政务与公共服务" in answer  # the source: title › heading path


def test_english_policy_question_is_answered_in_english(client, assistant, seeded):
    answer = Conversation(client, language="en").text("what are the goals of electronic public services")
    assert "电子政务与公共服务" in answer and any(word in answer for word in ("Source", "source", "From", "from"))


def test_service_guide_comes_from_the_catalogue(client, assistant, seeded):
    replies = Conversation(client).say("办营业执照需要什么材料")
    text = "\n".join(r["text"] for r in replies)
    buttons = [b for r in replies for b in r["buttons"]]
    if buttons:  # two services issue a business licence: the bot asks which one
        assert any("企业设立登记" in b["title"] for b in buttons)
    else:
        assert "公司章程" in text  # a material of YW-SCJG-001, read from GET /services/YW-SCJG-001


def test_english_service_time_question(client, assistant, seeded):
    answer = Conversation(client, language="en").text("how long does a driving licence renewal take")
    assert "working day" in answer.lower()


def test_a_full_application_by_chat_creates_a_real_case(client, assistant, seeded, accounts, session):
    user, headers = accounts.citizen()
    chat = Conversation(client, headers)
    chat.say("我要办理就业登记")
    for answer in ("单位就业", "示范市快乐科技有限公司", "2025-03-01", "软件工程师", "12000", "13812345678"):
        chat.say(answer)
    final = chat.text("确认")
    session.rollback()
    case = session.scalar(select(Case).where(Case.applicant_id == user.id))
    assert case is not None and case.service.code == "YW-RSJ-001"
    assert case.case_no in final
    assert case.form["contact_mobile"] == "13812345678" and case.form["job_title"] == "软件工程师"

    status = chat.text("我的申请到哪一步了")
    assert case.case_no in status


def test_another_users_case_number_is_refused(client, assistant, seeded, accounts):
    _, owner_headers = accounts.citizen()
    form = {"employment_type": "employed", "start_date": "2025-03-01", "job_title": "会计", "contact_mobile": "13812345678"}
    case_no = client.post("/api/v1/cases", json={"service_code": "YW-RSJ-001", "form": form},
                          headers=owner_headers).get_json()["case_no"]
    _, stranger = accounts.citizen()
    answer = Conversation(client, stranger).text(f"{case_no}的进度")
    assert "会计" not in answer and "已提交" not in answer


def test_personal_questions_ask_anonymous_users_to_sign_in(client, assistant, seeded):
    answer = Conversation(client).text("我的申请到哪一步了")
    assert "登录" in answer


def test_rasa_down_falls_back_to_search(app, client, assistant, seeded):
    saved = app.config["RASA_URL"]
    app.config["RASA_URL"] = "http://127.0.0.1:9"  # nothing listens there
    try:
        body = assert_problem(client.post("/api/v1/chat", json={"message": "国家政务外网建设目标"}), 503)
        assert body["results"] and "政务外网" in body["results"][0]["text"]
    finally:
        app.config["RASA_URL"] = saved
