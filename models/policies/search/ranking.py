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
    # The lexical weight for a query translated with the English–Chinese glossary: its BM25 ranking (on the
    # Chinese terms) is more reliable than the cross-language e5 similarity, so it counts for more.
    translated_lexical_weight: float = 2.0
    # e5 similarities are compressed (0.7-0.9) and run higher between Chinese texts than across
    # languages, so no absolute threshold works: a query is off-topic when its best passage is not
    # clearly closer than the best everyday off-topic reference text (data/off_topic.txt).
    abstain_margin: float = -0.01
    # A passage holding this share of the query's own term weight (idf) is on-topic whatever the vectors say.
    abstain_coverage: float = 0.5


DEFAULT_PARAMS = RankingParams()


@dataclass(frozen=True)
class QueryScores:
    """Per-row scores of one query. `coverage` is the share of the query's own term weight (idf) that
    a passage contains; `background` is the query's best similarity to the off-topic reference texts;
    rows of removed documents are False in `alive`; `translated`: an English query searched with the
    Chinese terms of the glossary (see `analysis.TextAnalyzer.translate`)."""

    lexical: np.ndarray
    semantic: np.ndarray
    coverage: np.ndarray
    alive: np.ndarray
    background: float
    translated: bool = False


@dataclass(frozen=True)
class Ranking:
    order: np.ndarray  # the best live rows, best first (at most 2 × CANDIDATES)
    scores: np.ndarray  # per row, comparable within one query only
    abstained: bool


# Only the best rows of each ranking take part in the fusion: lower ranks would add almost nothing, and
# selecting them is linear where sorting every row is not (it matters at 10,000 passages).
CANDIDATES = 100


def _top(values: np.ndarray, eligible: np.ndarray, count: int = CANDIDATES) -> np.ndarray:
    """The rows of the `count` highest eligible values, best first (ties by row number)."""
    masked = np.where(eligible, values, -np.inf)
    rows = np.argpartition(-masked, count)[:count] if count < len(masked) else np.arange(len(masked))
    rows = rows[np.isfinite(masked[rows])]
    return rows[np.lexsort((rows, -masked[rows]))]


def fused(scores: QueryScores, params: RankingParams = DEFAULT_PARAMS) -> np.ndarray:
    """Reciprocal rank fusion scaled so that being first in both rankings scores 1. Passages with no
    lexical match get no lexical share: no match is no evidence."""
    values = np.zeros(len(scores.lexical), dtype=np.float64)
    weight = params.translated_lexical_weight if scores.translated else params.lexical_weight
    lexical = _top(scores.lexical, scores.alive & (scores.lexical > 0))
    semantic = _top(scores.semantic, scores.alive)
    values[lexical] += weight / (params.rrf_k + np.arange(1, len(lexical) + 1))
    values[semantic] += 1.0 / (params.rrf_k + np.arange(1, len(semantic) + 1))
    return values / ((weight + 1) / (params.rrf_k + 1))


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
    """The best `CANDIDATES` live rows in order (at most), with the per-row scores behind the order."""
    abstained = abstains(scores, method, params)
    if method == Method.BM25:
        order = _top(scores.lexical, scores.alive)
        return Ranking(order, scores.lexical.astype(np.float64), abstained)
    if method == Method.SEMANTIC:
        order = _top(scores.semantic, scores.alive)
        return Ranking(order, scores.semantic.astype(np.float64), abstained)
    values = fused(scores, params)
    candidates = np.flatnonzero(values > 0)
    # rank fusion ties often (first in one list, second in the other): the closer meaning wins
    order = candidates[np.lexsort((-scores.semantic[candidates], -values[candidates]))]
    return Ranking(order, values, abstained)
