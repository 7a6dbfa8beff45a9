import numpy as np

from models.policies.search.ranking import DEFAULT_PARAMS, Method, QueryScores, rank


def _scores(translated: bool) -> QueryScores:
    # row 0 leads the lexical ranking, row 1 the semantic one; each is second in the other
    return QueryScores(
        lexical=np.array([3.0, 2.0, 0.0], np.float32),
        semantic=np.array([0.80, 0.82, 0.70], np.float32),
        coverage=np.array([1.0, 1.0, 0.0], np.float32),
        alive=np.ones(3, bool),
        background=0.0,
        translated=translated,
    )


def test_a_translated_query_trusts_its_lexical_ranking_more():
    assert DEFAULT_PARAMS.translated_lexical_weight > DEFAULT_PARAMS.lexical_weight
    assert rank(_scores(translated=True), Method.HYBRID).order[0] == 0
    # equal weights tie, and the closer meaning wins the tie
    assert DEFAULT_PARAMS.lexical_weight == 1.0
    assert rank(_scores(translated=False), Method.HYBRID).order[0] == 1


def test_fused_scores_stay_between_zero_and_one():
    for translated in (False, True):
        ranked = rank(_scores(translated), Method.HYBRID)
        assert 0 < ranked.scores.max() <= 1
