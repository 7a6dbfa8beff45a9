"""Fusing lexical and semantic rankings, and deciding to abstain (排序融合与拒答).

Kept apart from the index so the evaluation can replay these rules on stored scores while tuning, and
so the one place that decides what is relevant enough is easy to find.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class Method(StrEnum):
    BM25 = "bm25"
    SEMANTIC = "semantic"
    HYBRID = "hybrid"


@dataclass(frozen=True)
class RankingParams:
    """Fusion and abstention settings, tuned on the dev questions by `python -m bench.search_quality --tune`
    (values and method in docs/search-quality.md)."""

    # Reciprocal rank fusion: score = lexical_weight / (rrf_k + lexical rank) + 1 / (rrf_k + semantic rank).
    rrf_k: int = 30
    lexical_weight: float = 1.0
    # e5 similarities are compressed (0.7-0.9) and run higher between Chinese texts than across
    # languages, so no absolute threshold works: a query is off-topic when its best passage is not
    # clearly closer than the best everyday off-topic reference text (data/off_topic.txt).
    abstain_margin: float = -0.036
    # A passage holding this share of the query's own term weight (idf) is on-topic whatever the vectors say.
    abstain_coverage: float = 0.5


DEFAULT_PARAMS = RankingParams()


@dataclass(frozen=True)
class QueryScores:
    """Per-row scores of one query. `coverage` is the share of the query's own term weight (idf) that
    a passage contains; `background` is the query's best similarity to the off-topic reference texts;
    rows of removed documents are False in `alive`."""

    lexical: np.ndarray
    semantic: np.ndarray
    coverage: np.ndarray
    alive: np.ndarray
    background: float


@dataclass(frozen=True)
class Ranking:
    order: np.ndarray  # live rows, best first
    scores: np.ndarray  # per row, comparable within one query only
    abstained: bool


def _reciprocal_ranks(values: np.ndarray, alive: np.ndarray, k: int) -> np.ndarray:
    """1 / (k + rank) for live rows with a positive score, 0 elsewhere: no match is no evidence."""
    order = np.argsort(-np.where(alive, values, -np.inf), kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(1, len(values) + 1)
    return np.where(alive & (values > 0), 1.0 / (k + ranks), 0.0)


def fused(scores: QueryScores, params: RankingParams = DEFAULT_PARAMS) -> np.ndarray:
    """Reciprocal rank fusion scaled so that being first in both rankings scores 1."""
    lexical = _reciprocal_ranks(scores.lexical, scores.alive, params.rrf_k)
    semantic = _reciprocal_ranks(scores.semantic, scores.alive, params.rrf_k)
    best = (params.lexical_weight + 1) / (params.rrf_k + 1)
    return (params.lexical_weight * lexical + semantic) / best


def _best(values: np.ndarray, alive: np.ndarray) -> float:
    return float(values[alive].max()) if alive.any() else 0.0


def abstains(scores: QueryScores, method: Method, params: RankingParams = DEFAULT_PARAMS) -> bool:
    """Nothing is relevant enough: no passage holds most of the query's terms and (unless ranking by
    terms alone) none is semantically close."""
    lexical_miss = _best(scores.coverage, scores.alive) < params.abstain_coverage
    semantic_miss = _best(scores.semantic, scores.alive) - scores.background < params.abstain_margin
    if method == Method.BM25:
        return lexical_miss
    if method == Method.SEMANTIC:
        return semantic_miss
    return lexical_miss and semantic_miss


def rank(scores: QueryScores, method: Method, params: RankingParams = DEFAULT_PARAMS) -> Ranking:
    if method == Method.BM25:
        values = scores.lexical.astype(np.float64)
    elif method == Method.SEMANTIC:
        values = scores.semantic.astype(np.float64)
    else:
        values = fused(scores, params)
    values = np.where(scores.alive, values, -np.inf)
    # rank fusion ties often (first in one list, second in the other): the closer meaning wins
    tie_break = -scores.semantic if method == Method.HYBRID else np.zeros_like(values)
    order = np.lexsort((tie_break, -values))[: int(scores.alive.sum())]
    return Ranking(order=order, scores=values, abstained=abstains(scores, method, params))
