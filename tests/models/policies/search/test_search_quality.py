"""The chosen method (hybrid) must keep the quality reported in docs/search-quality.md on the test split."""

import pytest

from bench.search_quality import QUESTIONS, outcomes, read_baseline
from models.policies.search.evaluation import abstain_metrics, check_labels, load_questions, ranking_metrics
from models.policies.search.ranking import DEFAULT_PARAMS, Method

MARGIN = 0.03


@pytest.fixture(scope="module")
def questions():
    return load_questions(QUESTIONS)


def test_labelled_set_is_large_bilingual_and_split(questions):
    assert len(questions) >= 70
    english = sum(q.lang == "en" for q in questions) / len(questions)
    assert 0.2 <= english <= 0.35
    assert sum(not q.answerable for q in questions) >= 8
    assert {q.split for q in questions} == {"dev", "test"}
    assert len({q.id for q in questions}) == len(questions)


def test_every_label_names_an_existing_passage(questions, seed_index):
    assert check_labels(questions, seed_index.rows()) == []


def test_report_describes_the_current_settings():
    assert read_baseline()["params"] == DEFAULT_PARAMS.__dict__


def test_hybrid_search_keeps_its_measured_quality_on_the_test_split(questions, seed_index):
    test = [q for q in questions if q.split == "test"]
    scores = {q.id: seed_index.scores(q.text) for q in test}
    runs = outcomes(test, scores, seed_index, Method.HYBRID)
    baseline = read_baseline()["hybrid"]
    for lang in ("zh", "en"):
        measured = ranking_metrics([o for o in runs if o.question.lang == lang]).as_dict()
        for metric in ("p_at_1", "mrr", "recall_at_3", "answered_correctly"):
            assert measured[metric] >= baseline[lang][metric] - MARGIN, (lang, metric, measured)
    abstain = abstain_metrics(runs).as_dict()
    for metric in ("precision", "recall"):
        assert abstain[metric] >= baseline["abstain"][metric] - MARGIN, (metric, abstain)
