"""Finding services by meaning (按语义找事项): e5 vectors over each current guide, fused with keyword search.

"身份证丢了" or "孩子上学报名" rarely share words with a service's name, but they are close in meaning to
its summary, conditions, keywords or FAQ. Each of those texts (Chinese and English) is embedded once per
guide version; a query's similarity to a service is its best similarity to any of them. The ranking is
fused with the catalogue's keyword ranking (models.catalogue.catalogue_search), and each candidate carries the
evidence the decision rules need: how much closer it is than everyday off-topic texts (the same
reference list as policy search), and how much of the query's own words its guide contains.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.assistant.evidence import Haystack, coverages, needles
from models.catalogue.catalogue_search import rank_services
from models.catalogue.service import Service
from models.policies.search import Embedder, TextAnalyzer
from models.policies.search.analysis import DATA_DIR, read_list

log = logging.getLogger(__name__)
# Reciprocal rank fusion of the keyword and meaning rankings, as in policy search.
RRF_K = 30


@dataclass(frozen=True)
class ServiceCandidate:
    code: str
    name: dict[str, str]
    similarity: float  # best e5 similarity of the query to one of the guide's texts
    margin: float  # similarity minus the query's best similarity to the off-topic reference texts
    coverage: float  # share of the query's own term weight (idf over the catalogue) found in the guide
    keyword_rank: int | None  # 1-based rank in the keyword search, None when it did not match
    score: float  # fused rank score, for ordering only


def guide_texts(guide: dict[str, Any]) -> list[str]:
    """What a service is found by: name, summary, conditions, keywords and FAQ, in both languages."""
    texts: list[str] = []
    for language in ("zh", "en"):
        texts.append(guide["name"].get(language) or "")
        texts.append((guide.get("summary") or {}).get(language) or "")
        texts.extend((c or {}).get(language) or "" for c in guide.get("conditions") or [])
        texts.extend((guide.get("keywords") or {}).get(language) or [])
        texts.extend(f"{(f.get('q') or {}).get(language) or ''} {(f.get('a') or {}).get(language) or ''}".strip()
                     for f in guide.get("faq") or [])
    return [t for t in texts if t.strip()]


class ServiceMeaningIndex:
    """Guide vectors per service version (in memory, and on disk under ``cache_dir`` when given)."""

    def __init__(self, analyzer: TextAnalyzer, embedder: Embedder, cache_dir: str | Path | None = None):
        self.analyzer, self.embedder = analyzer, embedder
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._vectors: dict[int, np.ndarray] = {}
        self._terms: dict[int, Haystack] = {}
        self._background: np.ndarray | None = None
        self._lock = threading.Lock()

    def warm(self, services: list[Service]) -> None:
        """Embed every guide now (a first question otherwise pays for it)."""
        for service in services:
            self._guide_vectors(service)
        self._background_vectors()

    def rank(self, services: list[Service], query: str, vector: np.ndarray) -> list[ServiceCandidate]:
        """Every service with its evidence, best first."""
        if not services:
            return []
        background = self.background(vector)
        similarity = np.array([float((self._guide_vectors(s) @ vector).max()) for s in services])
        coverage = self._coverage(services, query)
        keyword = {s.code: rank for rank, s in enumerate(rank_services(services, query, self.analyzer), start=1)}
        semantic_rank = {services[i].code: rank for rank, i in enumerate(np.argsort(-similarity), start=1)}
        candidates = [
            ServiceCandidate(
                code=s.code, name=dict(s.guide["name"]), similarity=float(similarity[i]),
                margin=float(similarity[i]) - background, coverage=coverage[i], keyword_rank=keyword.get(s.code),
                score=(1 / (RRF_K + keyword[s.code]) if s.code in keyword else 0.0) + 1 / (RRF_K + semantic_rank[s.code]),
            )
            for i, s in enumerate(services)
        ]
        return sorted(candidates, key=lambda c: (-c.score, -c.similarity, c.code))

    def names_unknown_things(self, services: list[Service], query: str) -> bool:
        """Whether the query has a Chinese word of two or more characters that no guide holds, such as 社保卡
        or 公积金: likely a request for something the catalogue does not offer."""
        texts = [self._guide_terms(s) for s in services]
        return any(len(n.term) >= 2 and not n.term.isascii() and not any(t.holds(n) for t in texts)
                   for n in needles(self.analyzer, query))

    def background(self, vector: np.ndarray) -> float:
        """The query's best similarity to everyday off-topic texts (policy search's reference list)."""
        return float((self._background_vectors() @ vector).max())

    def _coverage(self, services: list[Service], query: str) -> list[float]:
        return coverages(needles(self.analyzer, query), [self._guide_terms(s) for s in services])

    def _guide_terms(self, service: Service) -> Haystack:
        key = service.current_version_id
        if key not in self._terms:
            self._terms[key] = Haystack.of(self.analyzer, "\n".join(guide_texts(service.guide)))
        return self._terms[key]

    def _guide_vectors(self, service: Service) -> np.ndarray:
        key = service.current_version_id
        with self._lock:
            if key in self._vectors:
                return self._vectors[key]
        texts = guide_texts(service.guide)
        vectors = self._load(texts)
        if vectors is None:
            vectors = self.embedder.passages(texts)
            self._store(texts, vectors)
        with self._lock:
            self._vectors[key] = vectors
        return vectors

    def _background_vectors(self) -> np.ndarray:
        if self._background is None:
            self._background = self.embedder.passages(read_list(DATA_DIR / "off_topic.txt"))
        return self._background

    def _cache_file(self, texts: list[str]) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256("\n".join([self.embedder.model_id, *texts]).encode()).hexdigest()[:24]
        return self.cache_dir / f"{digest}.npy"

    def _load(self, texts: list[str]) -> np.ndarray | None:
        path = self._cache_file(texts)
        if path is None or not path.exists():
            return None
        try:
            vectors = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None
        return vectors if vectors.shape[0] == len(texts) else None

    def _store(self, texts: list[str], vectors: np.ndarray) -> None:
        path = self._cache_file(texts)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{threading.get_ident()}.tmp")
            with open(temporary, "wb") as handle:
                np.save(handle, vectors, allow_pickle=False)
            temporary.replace(path)
        except OSError as error:  # a read-only instance folder only costs embedding again
            log.warning("cannot cache service vectors in %s: %s", path.parent, error)
