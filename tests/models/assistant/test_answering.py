"""The decision rules on the demo catalogue and the seed policy, with the real e5 model and search.

The messages are the ones quoted in issue #10 and a few dev examples (docs/assistant-quality.md); the
evaluation set is kept apart and never used here.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.assistant import Assistant, Outcome
from models.assistant.life_events import load_life_events
from models.catalogue.service import Service
from models.demo import DATA, load_catalogue
from models.policies.policy import import_policy_file
from models.policies.search import default_embedder


@pytest.fixture(scope="module")
def vector_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("service-vectors")  # guides are embedded once for the module


@pytest.fixture
def assistant(app, session, vector_cache):
    import_policy_file(session, DATA / "policies" / "dianzi-zhengwu-yu-gonggong-fuwu.txt")
    session.commit()
    return Assistant(app.extensions["yiwang.policy_search"], cache_dir=vector_cache)


def names(answer):
    return [s.name["zh"] for s in answer.services]


@pytest.mark.parametrize("question, service", [
    ("身份证丢了怎么办", "居民身份证换领"),
    ("I lost my ID card", "居民身份证换领"),
    ("孩子上学报名", "义务教育小学一年级入学登记"),
    ("在外地看病能报销吗", "异地就医医疗费用手工报销"),
])
def test_a_service_is_found_by_meaning(assistant, session, question, service):
    answer = assistant.answer(session, question)
    assert answer.outcome is Outcome.SERVICE and names(answer) == [service]


def test_a_life_event_lists_its_services_in_order(assistant, session):
    answer = assistant.answer(session, "我想开个小饭馆，要办什么手续")
    assert answer.outcome is Outcome.LIFE_EVENT and answer.life_event["zh"] == "开办餐饮店"
    first, second = ([s.name["zh"] for s in step.services] for step in answer.steps)
    assert set(first) == {"个体工商户设立登记", "企业设立登记"} and second == ["食品经营许可"]


def test_two_services_that_both_fit_are_offered_as_choices(assistant, session):
    answer = assistant.answer(session, "办营业执照")
    assert answer.outcome is Outcome.CHOICES
    assert {"企业设立登记", "个体工商户设立登记"} <= set(names(answer))


def test_an_english_policy_question_gets_cited_sentences(assistant, session):
    answer = assistant.answer(session, "What is the digital divide?")
    assert answer.outcome is Outcome.POLICY
    assert "数字鸿沟" in answer.policy.text and len(answer.policy.text) <= 120
    assert answer.policy.source.startswith("电子政务与公共服务 › ") and "发展趋势" in answer.policy.source


@pytest.mark.parametrize("question", ["我要投诉，窗口工作人员态度很差", "转人工", "I want to make a complaint"])
def test_complaints_and_requests_for_a_person_are_handed_over(assistant, session, question):
    assert assistant.answer(session, question).outcome is Outcome.HANDOVER


@pytest.mark.parametrize("question", ["社保卡怎么补办", "公积金怎么提取", "今天天气怎么样", "护照怎么办"])
def test_off_catalogue_and_off_topic_requests_abstain_instead_of_guessing(assistant, session, question):
    assert assistant.answer(session, question).outcome is Outcome.ABSTAIN


def test_life_events_name_only_catalogue_services():
    codes = {s["code"] for s in load_catalogue()["services"]}
    for event in load_life_events():
        assert event.steps and all(step.any_of and set(step.any_of) <= codes for step in event.steps)


class NoEmbedding:
    model_id = default_embedder().model_id

    def passages(self, texts):
        raise AssertionError("embedded again instead of reading the cache")


def test_guide_vectors_are_cached_on_disk(assistant, session, vector_cache, app):
    assistant.warm(session)
    assert len(list(vector_cache.glob("*.npy"))) == len(load_catalogue()["services"])
    again = Assistant(app.extensions["yiwang.policy_search"], cache_dir=vector_cache, embedder=NoEmbedding())
    service = session.scalars(select(Service)).first()
    assert again.services._guide_vectors(service).shape[1] == 384
