"""Extractive answers (抽取式回答): the sentences of a passage that answer a question, nothing else.

Each sentence is scored by the question's terms (the shared jieba analysis, idf-weighted within the
passage's sentences) and by e5 similarity between the question and the sentence. The best sentence is
kept, then its neighbours are added in document order while the answer stays within the limit, so the
answer reads as the source reads. Sentences are never cut: a single sentence longer than the limit is
given whole, alone. No word is added or changed; the caller adds only fixed framing and the citation.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from models.assistant.sentences import Sentence, split_sentences
from models.policies.search import Embedder, TextAnalyzer
from models.policies.search.analysis import main_renderings

# About four lines on a phone screen; "展开" (more) shows up to MORE_LIMIT.
ANSWER_LIMIT = 120
MORE_LIMIT = 360
# Weight of the term score against e5 similarity. Term scores run 0-1; e5 similarities between a question
# and its sentences spread over about 0.1, so their differences are rescaled to 0-1 within the passage.
TERM_WEIGHT = 0.5
# Sentence vectors are cached: the same top passages answer many questions.
CACHE_SIZE = 4096


@dataclass(frozen=True)
class Extract:
    text: str  # whole sentences, verbatim, within ANSWER_LIMIT (unless one sentence is longer)
    more: str  # the same answer widened with neighbouring sentences, within MORE_LIMIT
    sentences: tuple[Sentence, ...]  # the sentences of `text`


class SentenceVectors:
    """e5 passage vectors of sentences, computed once per sentence text (LRU)."""

    def __init__(self, embedder: Embedder, size: int = CACHE_SIZE):
        self.embedder, self.size = embedder, size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        vectors = self.embedder.passages(missing) if missing else None
        with self._lock:
            for i, text in enumerate(missing):
                self._cache[text] = vectors[i]
            for text in texts:
                self._cache.move_to_end(text)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
            return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 0), np.float32)


class Extractor:
    def __init__(self, analyzer: TextAnalyzer, embedder: Embedder):
        self.analyzer, self.embedder = analyzer, embedder
        self.vectors = SentenceVectors(embedder)

    def question_vector(self, question: str) -> np.ndarray:
        """The question's e5 vector, embedded as policy search embeds it (English with its Chinese renderings)."""
        translations = self.analyzer.translate(question)
        return self.embedder.query(f"{question} {main_renderings(translations)}" if translations else question)

    def scores(self, question: str, sentences: list[Sentence], vector: np.ndarray | None = None) -> np.ndarray:
        """One score per sentence (higher answers better)."""
        if not sentences:
            return np.zeros(0)
        vector = self.question_vector(question) if vector is None else vector
        similarity = self.vectors([s.text for s in sentences]) @ vector
        spread = float(similarity.max() - similarity.min())
        semantic = (similarity - similarity.min()) / spread if spread > 1e-6 else np.zeros(len(sentences))
        return semantic + TERM_WEIGHT * self._term_scores(question, sentences)

    def _term_scores(self, question: str, sentences: list[Sentence]) -> np.ndarray:
        weights = self.analyzer.query_terms(question, translations=self.analyzer.translate(question))
        terms = [set(self.analyzer.terms(s.text)) for s in sentences]
        count = len(sentences)
        idf = {t: math.log(1 + count / (1 + sum(t in ts for ts in terms))) for t in weights}
        total = sum(weights[t] * idf[t] for t in weights) or 1.0
        return np.array([sum(weights[t] * idf[t] for t in weights if t in ts) / total for ts in terms])

    def extract(self, question: str, passage: str, *, vector: np.ndarray | None = None,
                limit: int = ANSWER_LIMIT, more_limit: int = MORE_LIMIT) -> Extract:
        sentences = split_sentences(passage)
        if not sentences:
            return Extract("", "", ())
        scores = self.scores(question, sentences, vector)
        best = int(np.argmax(scores))
        short = _widen(sentences, scores, (best, best + 1), limit)
        more = _widen(sentences, scores, short, max(more_limit, limit))  # contains the short answer
        return Extract(_join(sentences, short), _join(sentences, more),
                       tuple(sentences[i] for i in range(*short)))


def _widen(sentences: list[Sentence], scores: np.ndarray, span: tuple[int, int], limit: int) -> tuple[int, int]:
    """The run of sentences ``span`` grown within ``limit`` characters, taking the better-scoring neighbour
    first, so the answer keeps its context in document order."""
    start, end = span
    length = sum(len(s.text) for s in sentences[start:end])
    while True:
        fits = [i for i in (start - 1, end) if 0 <= i < len(sentences) and length + len(sentences[i].text) <= limit]
        if not fits:
            return start, end
        chosen = max(fits, key=lambda i: scores[i])
        length += len(sentences[chosen].text)
        start, end = min(start, chosen), max(end, chosen + 1)


def _join(sentences: list[Sentence], span: tuple[int, int]) -> str:
    """The sentences as they stand in the passage; only the white space between them changes (a line break
    between Chinese sentences disappears, between Latin ones it becomes a space)."""
    run = [s.text for s in sentences[span[0] : span[1]]]
    separator = "" if _is_chinese("".join(run)) else " "
    return separator.join(run)


def _is_chinese(text: str) -> bool:
    cjk = sum("\u3400" <= c <= "\u9fff" for c in text)
    latin = sum(c.isascii() and c.isalpha() for c in text)
    return cjk >= latin
