"""Fusing lexical and semantic scores, and deciding to abstain (排序融合与拒答).

Kept apart from the index so the evaluation can replay the same rules on stored scores while tuning,
and so the one place that decides what is relevant enough is easy to find.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

# Tuned on the dev questions of tests/data/policy_questions.jsonl (see docs/search-quality.md).
LEXICAL_WEIGHT = 0.3
ABSTAIN_SEMANTIC = 0.80
ABSTAIN_COVERAGE = 0.5


class Method(StrEnum):
    BM25 = "bm25"
    SEMANTIC = "semantic"
    HYBRID = "hybrid"


@dataclass(frozen=True)
class QueryScores:
    """Per-row scores of one query. `coverage` is the share of the query's own term weight (idf) that
    a passage contains; dead rows (removed documents) are False in `alive`."""

    lexical: np.ndarray
    semantic: np.ndarray
    coverage: np.ndarray
    alive: np.ndarray


@dataclass(frozen=True)
class Ranking:
    order: np.ndarray
    scores: np.ndarray
    abstained: bool


def fused(scores: QueryScores, lexical_weight: float = LEXICAL_WEIGHT) -> np.ndarray:
    """Min-max normalised lexical and semantic scores mixed with `lexical_weight`."""
    return lexical_weight * _normalised(scores.lexical, scores.alive) + (1 - lexical_weight) * _normalised(
        scores.semantic, scores.alive
    )


def _normalised(values: np.ndarray, alive: np.ndarray) -> np.ndarray:
    live = values[alive]
    if live.size == 0:
        return np.zeros_like(values)
    low, high = float(live.min()), float(live.max())
    if high <= low:
        return np.zeros_like(values)
    return (values - low) / (high - low)


def should_abstain(
    scores: QueryScores,
    semantic_threshold: float = ABSTAIN_SEMANTIC,
    coverage_threshold: float = ABSTAIN_COVERAGE,
) -> bool:
    """Nothing is relevant when no passage is semantically close and none holds most query terms."""
    if not scores.alive.any():
        return True
    best_semantic = float(scores.semantic[scores.alive].max())
    best_coverage = float(scores.coverage[scores.alive].max())
    return best_semantic < semantic_threshold and best_coverage < coverage_threshold


def rank(scores: QueryScores, method: Method) -> Ranking:
    if method == Method.BM25:
        values = scores.lexical.copy()
        abstained = not scores.alive.any() or float(scores.coverage[scores.alive].max()) < ABSTAIN_COVERAGE
    elif method == Method.SEMANTIC:
        values = scores.semantic.copy()
        abstained = not scores.alive.any() or float(scores.semantic[scores.alive].max()) < ABSTAIN_SEMANTIC
    else:
        values = fused(scores)
        abstained = should_abstain(scores)
    values[~scores.alive] = -np.inf
    order = np.argsort(-values, kind="stable")[: int(scores.alive.sum())]
    return Ranking(order=order, scores=values, abstained=abstained)
