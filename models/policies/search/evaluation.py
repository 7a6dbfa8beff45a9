"""Measuring search quality on labelled questions (检索质量评测).

A question's answers are named by heading path and a short distinctive substring, never by passage
ordinal, so the labels survive changes to the passage splitter. A passage answers when the label's
heading path is a prefix of its own and the substring occurs in its heading path or text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from models.policies.search.passages import Passage

RECALL_DEPTH = 3
MRR_DEPTH = 10


@dataclass(frozen=True)
class Answer:
    heading_path: tuple[str, ...]
    contains: str

    def matches(self, passage: Passage) -> bool:
        return (
            passage.heading_path[: len(self.heading_path)] == self.heading_path
            and self.contains in passage.search_text
        )


@dataclass(frozen=True)
class Question:
    id: str
    lang: str
    split: str
    text: str
    answers: tuple[Answer, ...]  # empty: off-topic, the right result is to abstain

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_questions(path: Path) -> list[Question]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        answers = tuple(Answer(tuple(a["heading_path"]), a["contains"]) for a in item["answers"])
        questions.append(Question(item["id"], item["lang"], item["split"], item["question"], answers))
    return questions


def check_labels(questions: Sequence[Question], passages: Sequence[Passage]) -> list[str]:
    """Labels that match no passage (a typo or a changed document): each must be fixed, not skipped."""
    return [
        f"{q.id}: {answer.heading_path} / {answer.contains!r}"
        for q in questions
        for answer in q.answers
        if not any(answer.matches(p) for p in passages)
    ]


@dataclass(frozen=True)
class Outcome:
    """What one question got: the ranked passages (best first) and whether search abstained."""

    question: Question
    ranked: Sequence[Passage]
    abstained: bool

    def first_correct(self, depth: int) -> int | None:
        for rank, passage in enumerate(self.ranked[:depth], start=1):
            if any(answer.matches(passage) for answer in self.question.answers):
                return rank
        return None


@dataclass(frozen=True)
class Metrics:
    questions: int
    precision_at_1: float
    mrr: float
    recall_at_3: float
    answered_correctly: float  # top hit right AND not abstained: what a citizen actually gets

    def as_dict(self) -> dict[str, float | int]:
        return {
            "questions": self.questions,
            "p_at_1": round(self.precision_at_1, 3),
            "mrr": round(self.mrr, 3),
            "recall_at_3": round(self.recall_at_3, 3),
            "answered_correctly": round(self.answered_correctly, 3),
        }


def ranking_metrics(outcomes: Sequence[Outcome]) -> Metrics:
    """Ranking quality over answerable questions (the ranking is judged even where search abstained)."""
    answerable = [o for o in outcomes if o.question.answerable]
    if not answerable:
        return Metrics(0, 0.0, 0.0, 0.0, 0.0)
    firsts = [o.first_correct(MRR_DEPTH) for o in answerable]
    count = len(answerable)
    return Metrics(
        questions=count,
        precision_at_1=sum(f == 1 for f in firsts) / count,
        mrr=sum(1 / f for f in firsts if f) / count,
        recall_at_3=sum(f is not None and f <= RECALL_DEPTH for f in firsts) / count,
        answered_correctly=sum(f == 1 and not o.abstained for f, o in zip(firsts, answerable, strict=True))
        / count,
    )


@dataclass(frozen=True)
class AbstainMetrics:
    off_topic: int
    abstained: int
    precision: float  # of the questions search abstained on, the share that were off-topic
    recall: float  # of the off-topic questions, the share search abstained on

    def as_dict(self) -> dict[str, float | int]:
        return {
            "off_topic": self.off_topic,
            "abstained": self.abstained,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
        }


def abstain_metrics(outcomes: Sequence[Outcome]) -> AbstainMetrics:
    abstained = [o for o in outcomes if o.abstained]
    off_topic = [o for o in outcomes if not o.question.answerable]
    right = sum(not o.question.answerable for o in abstained)
    return AbstainMetrics(
        off_topic=len(off_topic),
        abstained=len(abstained),
        precision=right / len(abstained) if abstained else 1.0,
        recall=right / len(off_topic) if off_topic else 1.0,
    )
