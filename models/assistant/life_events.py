"""Life events (一件事): a goal that takes several services in order, e.g. 开办餐饮店 → 个体工商户或企业登记,
then 食品经营许可. A small table (data/life_events.json), matched by meaning against its phrasings.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.assistant.evidence import Haystack, needles, share_found
from models.policies.search import Embedder, TextAnalyzer

DATA_FILE = Path(__file__).parent / "data" / "life_events.json"


@dataclass(frozen=True)
class Step:
    any_of: tuple[str, ...]  # service codes; the citizen needs one of them
    note: dict[str, str]


@dataclass(frozen=True)
class LifeEvent:
    id: str
    name: dict[str, str]
    phrasings: tuple[str, ...]
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class LifeEventMatch:
    event: LifeEvent
    similarity: float  # best e5 similarity of the query to one of its phrasings
    coverage: float  # share of the query's own terms found in its phrasings and name


def load_life_events(path: Path = DATA_FILE) -> list[LifeEvent]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        LifeEvent(
            id=item["id"], name=item["name"],
            phrasings=tuple(p for language in ("zh", "en") for p in item["phrasings"].get(language, [])),
            steps=tuple(Step(tuple(s["any_of"]), s["note"]) for s in item["steps"]),
        )
        for item in data["events"]
    ]


class LifeEvents:
    def __init__(self, events: list[LifeEvent], analyzer: TextAnalyzer, embedder: Embedder):
        self.events, self.analyzer, self.embedder = events, analyzer, embedder
        self._vectors: list[np.ndarray] | None = None
        self._texts = [Haystack.of(analyzer, "\n".join([*e.phrasings, *e.name.values()])) for e in events]
        self._lock = threading.Lock()

    def _phrasing_vectors(self) -> list[np.ndarray]:
        with self._lock:
            if self._vectors is None:
                self._vectors = [self.embedder.passages(list(e.phrasings)) for e in self.events]
            return self._vectors

    def best(self, query: str, vector: np.ndarray) -> LifeEventMatch | None:
        if not self.events:
            return None
        question = needles(self.analyzer, query)
        matches = []
        for event, vectors, text in zip(self.events, self._phrasing_vectors(), self._texts, strict=True):
            coverage = share_found(question, text)
            matches.append(LifeEventMatch(event, float((vectors @ vector).max()), coverage))
        return max(matches, key=lambda m: m.similarity)
