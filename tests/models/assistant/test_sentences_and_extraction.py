"""Sentence splitting and extractive answers: whole sentences, verbatim, within the limit."""

from __future__ import annotations

import pytest

from models.assistant.extraction import ANSWER_LIMIT, Extractor
from models.assistant.sentences import split_sentences
from models.policies.search import default_analyzer, default_embedder, split_document
from tests.models.policies.search.conftest import SEED, SEED_TITLE


def test_sentences_end_at_chinese_and_latin_punctuation_and_keep_their_offsets():
    text = "第一句话。第二句；第三句！“引用。”后面 English text. Another one\n新行（括号）"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == ["第一句话。", "第二句；", "第三句！", "“引用。”", "后面 English text.",
                                           "Another one", "新行（括号）"]
    assert all(text[s.start:s.end] == s.text for s in sentences)


def test_numbers_and_list_markers_do_not_end_a_sentence():
    assert [s.text for s in split_sentences("①.27%的人不会使用。约3.5万人。")] == ["①.27%的人不会使用。", "约3.5万人。"]


def test_blank_and_punctuation_only_pieces_are_dropped():
    assert split_sentences("  \n。。\n") == []


@pytest.fixture(scope="module")
def extractor():
    return Extractor(default_analyzer(), default_embedder())


@pytest.fixture(scope="module")
def seed_passages():
    return split_document(SEED.read_text(encoding="utf-8"), title=SEED_TITLE)


def _sentence_texts(passage_text):
    return {s.text for s in split_sentences(passage_text)}


@pytest.mark.parametrize("question, heading_part", [
    ("国家政务外网的建设目标是什么", "发展目标"),
    ("推动电子公共服务有什么意义", "推动电子公共服务的意义"),
    ("What is the digital divide?", "发展趋势"),
])
def test_an_answer_is_whole_sentences_of_the_passage_within_the_limit(extractor, seed_passages, question, heading_part):
    passage = next(p for p in seed_passages if heading_part in p.heading)
    answer = extractor.extract(question, passage.text)
    assert answer.text and len(answer.text) <= ANSWER_LIMIT
    assert "".join(s.text for s in answer.sentences) == answer.text  # nothing added, nothing cut
    assert {s.text for s in answer.sentences} <= _sentence_texts(passage.text)
    assert answer.text in answer.more  # "展开" widens the same answer


def test_the_sentence_that_answers_is_chosen_by_the_question(extractor):
    passage = ("电子政务的概念很广。办理营业执照一般需要三个工作日。政务外网由中央和地方两级组成。"
               "一网通办让群众少跑腿。各地都在推进数字政府建设，并加强数据共享。") * 1
    answer = extractor.extract("办营业执照要几天", passage, limit=30)
    assert answer.text.startswith("办理营业执照一般需要三个工作日。") or "办理营业执照一般需要三个工作日。" in answer.text
    assert len(answer.text) <= 30


def test_a_sentence_longer_than_the_limit_is_given_whole_and_alone(extractor):
    long_sentence = "这是一个很长的句子，" * 20 + "结束。"
    answer = extractor.extract("很长的句子", long_sentence + "短句。", limit=50)
    assert answer.text == long_sentence


def test_english_sentences_are_joined_with_spaces(extractor):
    answer = extractor.extract("opening hours", "We open at nine. The office closes at five.\nCall us.", limit=80)
    assert "  " not in answer.text and "nine. The" in answer.text
