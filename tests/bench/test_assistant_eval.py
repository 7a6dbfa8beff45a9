"""The assistant evaluation set (bench/data/assistant_eval.yml) and its grader, without a network."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench import assistant_eval as ev

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def items():
    return ev.load_items()


@pytest.fixture(scope="module")
def grader():
    # The texts of the bot the "before" run met (issue #10 changed them; the new API sends each reply's kind).
    classifier = ev.TextClassifier(BEFORE_BOT_TEXTS)
    names, ngrams = ev.service_names(), ev.seed_ngrams()

    def grade(outcome: dict, reply: ev.Reply, open_cases=(), lang="zh", signed_in=False) -> ev.Grade:
        item = ev.Item(id="t-1", lang=lang, category="test", text="…", expect=outcome, signed_in=signed_in)
        return ev.grade_reply(item, reply, classifier=classifier, names=names, ngrams=ngrams, open_cases=open_cases)

    return grade


def ok(*texts: str, buttons=(), kind: str | None = None) -> ev.Reply:
    replies = [{"text": t, "buttons": list(buttons)} for t in texts]
    if kind:
        replies[0]["kind"] = kind
    return ev.Reply(status=200, body={"conversation_id": "c" * 16, "language": "zh", "replies": replies})


REPHRASE_ZH = ("抱歉，我没有理解您的意思。能换个说法吗？您可以问我某个事项的材料、时限、费用、地点，政策问题，"
               "或您的办件进度。")
HANDOFF_EN = ("For help from a person, call the 12345 government service hotline (24 hours), or visit the Citizen "
              "Centre at 1 Shiji Avenue, Mon-Fri 9:00-12:00 and 13:30-17:00 (closed on public holidays).")
OUT_OF_SCOPE_ZH = "抱歉，我只能解答政务服务、政策和办件相关的问题。"
POLICY_UNKNOWN_ZH = "抱歉，在已公开的政策中没有找到可靠的答案。如需咨询，请拨打 12345 政务服务便民热线。"
GREET_EN = ("Hello! I'm the Yiwang assistant. Ask me about government services (documents needed, time, fees, "
            "where to go), about published policies, or where your application stands.")
EXTRANET = ("国家政务外网由中央政务外网和地方政务外网组成，按照统一规划、分级负责的原则进行建设。\n"
            "——来源：电子政务与公共服务 › 第六节我国电子公共服务的现状和发展")
BEFORE_BOT_TEXTS = [("fallback", REPHRASE_ZH), ("handover", HANDOFF_EN), ("abstain", OUT_OF_SCOPE_ZH),
                    ("abstain", POLICY_UNKNOWN_ZH), ("smalltalk", GREET_EN),
                    ("choices", "请问您指的是哪一个事项？"), ("case", "您有 {count} 件正在办理的事项：\n{cases}"),
                    ("fallback", "抱歉，我暂时无法回答这个问题。您可以换个说法再问，或拨打12345政务服务便民热线。"),
                    ("fallback", "请先登录一网通办App，登录后我才能为您查询办件或在线申办。"),
                    ("case", "您目前没有正在办理的事项。"),
                    ("error", "抱歉，系统暂时无法访问，请稍后再试，或拨打 12345 政务服务便民热线。")]
ELECTRONIC_GOV = ("电子政府，也叫电子化政府、电子网络政府，它的最大特色，就在于虚拟性，可以为社会、公众提供２４小时"
                  "不间断的在线服务。\n——来源：电子政务与公共服务 › 第一节电子政务概述")


# --- the set ------------------------------------------------------------------------------------------


def test_the_set_has_the_agreed_composition(items):
    assert len(items) >= 300
    assert len({i.id for i in items}) == len(items)
    assert len({i.text.casefold() for i in items}) == len(items)
    assert {i.lang for i in items} == {"zh", "en"}
    assert sum(i.lang == "en" for i in items) / len(items) >= 0.25
    assert 0.28 <= sum(i.outcome == "policy" for i in items) / len(items) <= 0.40
    assert sum(i.outcome == "handover" for i in items) >= 30
    assert sum(i.category == "off_catalogue" for i in items) >= 30
    assert {"typo", "pinyin_abbrev", "chitchat", "complaint", "life_event"} <= {i.category for i in items}
    assert {i.outcome for i in items} == {"service", "policy", "handover", "abstain", "chitchat", "case_status"}
    assert all(i.signed_in == (i.outcome == "case_status") for i in items)


def test_every_expectation_points_at_real_data(items):
    seed = ev.normalize(ev.SEED_POLICY.read_text(encoding="utf-8"))
    codes = set(ev.service_names())
    for item in items:
        if item.outcome == "policy":
            assert 1 <= len(item.expect["evidence"]) <= 4, item.id
            for phrase in item.expect["evidence"]:
                assert 6 <= len(ev.normalize(phrase)) <= 20, (item.id, phrase)
                assert ev.normalize(phrase) in seed, (item.id, phrase)
        if item.outcome == "service":
            flat = [c for e in item.expect["codes"] for c in (e if isinstance(e, list) else [e])]
            assert flat and set(flat) <= codes, item.id


def test_no_message_of_the_set_is_in_the_training_or_tuning_data(items):
    known: set[str] = set()
    for path in [*(ROOT / "bot" / "data").rglob("*.yml"), ROOT / "bot" / "tests" / "heldout_nlu.yml"]:
        known |= {m.group(1).strip().casefold() for m in re.finditer(r"^\s*- (.+)$", path.read_text("utf-8"), re.M)}
    for line in (ROOT / "tests" / "data" / "policy_questions.jsonl").read_text("utf-8").splitlines():
        known |= {str(v).casefold() for v in json.loads(line).values() if isinstance(v, str)}
    leaked = [i.id for i in items if i.text.strip().casefold() in known]
    assert not leaked, f"evaluation messages in the training or tuning data: {leaked}"


# --- reading replies ----------------------------------------------------------------------------------


def test_the_current_bots_texts_are_read_and_classified_as_their_kind():
    texts = ev.bot_texts()
    assert {kind for kind, _ in texts} >= {"fallback", "handover", "smalltalk", "form", "case"}
    classifier = ev.TextClassifier(texts)
    kinds = {classifier.kind(ev.PLACEHOLDER.sub("x", text)) for _, text in texts
             if len(ev.normalize(ev.PLACEHOLDER.sub("", text))) >= ev.TextClassifier.MIN_LITERAL}
    assert "answer" not in kinds or len(kinds) > 1


def test_the_before_bots_texts_are_classified():
    classifier = ev.TextClassifier(BEFORE_BOT_TEXTS)
    assert classifier.kind(REPHRASE_ZH) == "fallback"
    assert classifier.kind(HANDOFF_EN) == "handover"
    assert classifier.kind(OUT_OF_SCOPE_ZH) == "abstain"
    assert classifier.kind(POLICY_UNKNOWN_ZH) == "abstain"
    assert classifier.kind(GREET_EN) == "smalltalk"
    assert classifier.kind("请问您指的是哪一个事项？") == "choices"
    assert classifier.kind("您有 2 件正在办理的事项：\nYW20261201000001「个体工商户设立登记」") == "case"
    assert classifier.kind("抱歉，我暂时无法回答这个问题。您可以换个说法再问，或拨打12345政务服务便民热线。") == "fallback"
    assert classifier.kind("「企业设立登记」：免费") == "answer"
    assert classifier.kind(EXTRANET) == "answer"


def test_the_apis_kind_field_wins_over_the_text():
    assert ev.reply_kind(ok("任何文字", kind="abstain"), ev.TextClassifier([])) == "abstain"
    both = ok("提示", "答案")
    both.body["replies"][0]["kind"], both.body["replies"][1]["kind"] = "fallback", "answer"
    assert ev.reply_kind(both, ev.TextClassifier([])) == "answer"


def test_services_are_named_by_code_or_name_in_either_language():
    names = ev.service_names()
    assert ev.named_services("办理「新办纳税人涉税事项（税务登记信息确认）」需要", names) == {"YW-SWJ-002"}
    assert ev.named_services("Documents for resident identity card renewal:", names) == {"YW-GAJ-001"}
    assert ev.named_services('/ask_service_materials{"service": "YW-JJZD-001"}', names) == {"YW-JJZD-001"}
    assert ev.named_services("请问您想了解什么？", names) == set()


# --- grading ------------------------------------------------------------------------------------------

SERVICE = {"outcome": "service", "codes": ["YW-GAJ-001"]}
RESTAURANT = {"outcome": "service", "codes": [["YW-SCJG-001", "YW-SCJG-003"], "YW-SCJG-002"]}
POLICY = {"outcome": "policy", "evidence": ["由中央政务外网和地方政务外网组成"]}


def test_service_answers(grader):
    guide = ok("办理「居民身份证换领」需要准备的材料：\n1. 原居民身份证")
    assert grader(SERVICE, guide).grade == ev.CORRECT_ANSWER
    buttons = [{"title": "居民身份证换领", "payload": '/x{"service": "YW-GAJ-001"}'},
               {"title": "机动车驾驶证期满换证", "payload": '/x{"service": "YW-JJZD-001"}'}]
    assert grader(SERVICE, ok("请问您指的是哪一个事项？", buttons=buttons)).grade == ev.CORRECT_ANSWER
    wrong = grader(SERVICE, ok("「机动车驾驶证期满换证」：10元"))
    assert (wrong.grade, wrong.reason) == (ev.WRONG, "names YW-JJZD-001")
    assert grader(SERVICE, ok(EXTRANET)).grade == ev.WRONG  # a passage where a service was asked for
    assert grader(SERVICE, ok(REPHRASE_ZH)).grade == ev.UNHELPFUL
    assert grader(SERVICE, ok(POLICY_UNKNOWN_ZH)).grade == ev.UNHELPFUL


def test_a_life_event_needs_all_its_services(grader):
    both = ok("开餐馆需要依次办理：1.「个体工商户设立登记」（或「企业设立登记」）2.「食品经营许可」")
    assert grader(RESTAURANT, both).grade == ev.CORRECT_ANSWER
    company = ok("1. Business establishment registration 2. Food business licence", kind="answer")
    assert grader(RESTAURANT, company, lang="en").grade == ev.CORRECT_ANSWER
    partial = grader(RESTAURANT, ok("「个体工商户设立登记」（市场监督管理局）"))
    assert partial.grade == ev.WRONG and partial.reason.startswith("partial")


def test_policy_answers(grader):
    assert grader(POLICY, ok(EXTRANET)).grade == ev.CORRECT_ANSWER
    full_width = {"outcome": "policy", "evidence": ["24小时不间断的在线服务"]}
    assert grader(full_width, ok(ELECTRONIC_GOV)).grade == ev.CORRECT_ANSWER
    other = grader(POLICY, ok(ELECTRONIC_GOV))
    assert (other.grade, other.reason) == (ev.WRONG, "another passage")
    leaders = ok("…领导重视程度不够。目前，世界各国都在加紧实施电子政府工程，我国近年来也加快了步伐，高层领导都十分重视，"
                 "通过信息化、政府电子化，振兴国民经济。\n——来源：电子政务与公共服务 › 第六节我国电子公共服务的现状和发展")
    cut = grader({"outcome": "policy", "evidence": ["更要身体力行才能奏效"]}, leaders)
    assert (cut.grade, cut.reason) == (ev.WRONG, "the answering passage, cut before the answer")
    assert grader(POLICY, ok(POLICY_UNKNOWN_ZH)).grade == ev.UNHELPFUL
    assert grader(POLICY, ok(REPHRASE_ZH)).grade == ev.UNHELPFUL
    highlighted = ok("国家政务外网<em>由中央政务外网</em>和地方政务外网组成", kind="answer")
    assert grader(POLICY, highlighted).grade == ev.CORRECT_ANSWER


def test_handover(grader):
    handover = {"outcome": "handover"}
    assert grader(handover, ok(HANDOFF_EN), lang="en").grade == ev.CORRECT_NON_ANSWER
    assert grader(handover, ok("已为您转人工，对话编号 abc", kind="handover")).grade == ev.CORRECT_NON_ANSWER
    assert grader(handover, ok(POLICY_UNKNOWN_ZH)).grade == ev.CORRECT_NON_ANSWER  # points to 12345
    assert grader(handover, ok(REPHRASE_ZH)).grade == ev.UNHELPFUL
    assert grader(handover, ok(OUT_OF_SCOPE_ZH)).grade == ev.UNHELPFUL
    assert grader(handover, ok(EXTRANET)).grade == ev.WRONG


def test_abstain(grader):
    abstain = {"outcome": "abstain"}
    assert grader(abstain, ok(OUT_OF_SCOPE_ZH)).grade == ev.CORRECT_NON_ANSWER
    assert grader(abstain, ok(POLICY_UNKNOWN_ZH)).grade == ev.CORRECT_NON_ANSWER
    assert grader(abstain, ok("护照请到出入境管理部门办理。", kind="abstain")).grade == ev.CORRECT_NON_ANSWER
    assert grader(abstain, ok(HANDOFF_EN), lang="en").grade == ev.CORRECT_NON_ANSWER
    assert grader(abstain, ok(REPHRASE_ZH)).grade == ev.UNHELPFUL
    assert grader(abstain, ok(ELECTRONIC_GOV)).grade == ev.WRONG
    guessed = grader(abstain, ok("没有找到，您是不是要办「城乡居民基本养老保险参保登记」？", kind="abstain"))
    assert (guessed.grade, guessed.reason) == (ev.WRONG, "answers: YW-RSJ-002")


def test_chitchat(grader):
    chitchat = {"outcome": "chitchat"}
    assert grader(chitchat, ok(GREET_EN), lang="en").grade == ev.CORRECT_ANSWER
    assert grader(chitchat, ok("不客气，还有什么可以帮您？")).grade == ev.CORRECT_ANSWER
    assert grader(chitchat, ok(EXTRANET)).grade == ev.WRONG
    assert grader(chitchat, ok(REPHRASE_ZH)).grade == ev.UNHELPFUL


def test_case_status(grader):
    case = {"outcome": "case_status"}
    mine = ["YW20261201000001", "YW20261125000004"]
    listing = ok("您有 2 件正在办理的事项：\nYW20261201000001「个体工商户设立登记」 已提交")
    assert grader(case, listing, open_cases=mine, signed_in=True).grade == ev.CORRECT_ANSWER
    none = grader(case, ok("您目前没有正在办理的事项。"), open_cases=mine, signed_in=True)
    assert none.grade == ev.WRONG
    assert grader(case, ok("请先登录一网通办App，登录后我才能为您查询办件或在线申办。"), open_cases=mine).grade == ev.UNHELPFUL
    assert grader(case, listing, open_cases=[]).grade == ev.ERROR  # nothing to check against


def test_errors(grader):
    assert grader(SERVICE, ev.Reply(status=503, error="HTTP 503")).grade == ev.ERROR
    assert grader(SERVICE, ev.Reply(status=None, error="ReadTimeout")).grade == ev.ERROR
    assert grader(SERVICE, ok("抱歉，系统暂时无法访问，请稍后再试，或拨打 12345 政务服务便民热线。")).grade == ev.ERROR
    assert grader({"outcome": "abstain"}, ok("")).grade == ev.ERROR


# --- the run and the report ---------------------------------------------------------------------------


class FakeResponse:
    def __init__(self, status: int, body):
        self.status_code, self.body = status, body

    def json(self):
        if self.body is None:
            raise ValueError("no JSON")
        return self.body

    def raise_for_status(self):
        assert self.status_code < 400


class FakeSession:
    """requests.Session at the HTTP boundary: records what was sent, answers from a script."""

    def __init__(self, answers):
        self.answers, self.sent = list(answers), []

    def post(self, url, json=None, headers=None, timeout=None):
        self.sent.append((url, json, dict(headers or {})))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_the_client_sends_each_message_alone_in_its_language_signed_in_when_needed():
    import requests

    client = ev.Client("http://api.test/api/v1/", timeout=1)
    client.session = FakeSession([
        FakeResponse(200, {"conversation_id": "x" * 16, "replies": [{"text": "你好", "buttons": []}]}),
        FakeResponse(200, {"access_token": "t0k"}),
        FakeResponse(200, {"conversation_id": "y" * 16, "replies": [{"text": "您有 1 件", "buttons": []}]}),
        requests.ReadTimeout(),
        FakeResponse(503, {"type": "about:blank", "status": 503}),
    ])
    assert client.chat(ev.Item("a", "en", "chitchat", "hi", {"outcome": "chitchat"})).texts() == ["你好"]
    signed = client.chat(ev.Item("b", "zh", "case_status", "我的件", {"outcome": "case_status"}, signed_in=True))
    assert signed.texts() == ["您有 1 件"]
    timeout = client.chat(ev.Item("c", "zh", "policy", "q", {"outcome": "policy", "evidence": []}))
    assert (timeout.status, timeout.error) == (None, "ReadTimeout")
    assert client.chat(ev.Item("d", "zh", "policy", "q", {"outcome": "policy", "evidence": []})).status == 503
    first, login, second, *_ = client.session.sent
    assert first == ("http://api.test/api/v1/chat", {"message": "hi"}, {"Accept-Language": "en"})
    assert login[0].endswith("/auth/login") and login[1] == ev.CITIZEN
    assert second[2] == {"Accept-Language": "zh-CN", "Authorization": "Bearer t0k"}
    assert "conversation_id" not in second[1]  # every message is a new conversation


def test_the_report_counts_and_lists_wrong_answers():
    rows = [
        {"id": "zh-1", "lang": "zh", "category": "service", "text": "身份证", "expect": SERVICE, "grade": ev.CORRECT_ANSWER,
         "kind": "answer", "reason": "", "replies": ["…"]},
        {"id": "zh-2", "lang": "zh", "category": "complaint", "text": "投诉", "expect": {"outcome": "handover"},
         "grade": ev.CORRECT_NON_ANSWER, "kind": "handover", "reason": "", "replies": ["12345"]},
        {"id": "en-1", "lang": "en", "category": "service", "text": "id | card", "expect": SERVICE, "grade": ev.WRONG,
         "kind": "answer", "reason": "names YW-JJZD-001", "replies": ["Driving | licence"]},
        {"id": "en-2", "lang": "en", "category": "policy", "text": "q", "expect": POLICY, "grade": ev.UNHELPFUL,
         "kind": "fallback", "reason": "fallback", "replies": ["Sorry"]},
    ]
    summary = ev.report(rows)
    assert summary["by_language"]["all"] == {"n": 4, ev.CORRECT_ANSWER: 1, ev.CORRECT_NON_ANSWER: 1, ev.WRONG: 1,
                                             ev.UNHELPFUL: 1}
    assert summary["by_category"]["en/service"] == {"n": 1, ev.WRONG: 1}
    meta = {"label": "before", "started": "2026-12-01T08:00:00+08:00", "base_url": "http://x", "commit": "abc",
            "command": "python -m bench.assistant_eval"}
    markdown = ev.render_markdown(rows, meta)
    assert "| Chinese | 2 | 1 (50.0 %) | 1 (50.0 %) | 2 (100.0 %) | 0 (0.0 %) | 0 (0.0 %) | 0 (0.0 %) |" in markdown
    assert "| all | 4 | 1 (25.0 %) | 1 (25.0 %) | 2 (50.0 %) | 1 (25.0 %) | 1 (25.0 %) | 0 (0.0 %) |" in markdown
    assert "| en-1 | id \\| card |" in markdown  # a | in a message does not break the table
    assert 'Wrong answers (1):' in markdown and '| en-1 |' in markdown and "names YW-JJZD-001" in markdown
