"""The passage index behind policy search (政策检索索引).

Every passage is indexed twice: as BM25 term statistics from the shared text analysis, and as an e5
sentence vector of "heading path + text". A query is scored both ways, the two rankings are fused, and
the index abstains when nothing is close enough (see `ranking`).

The index is built for a backend that keeps the documents in a database: `add_document` /
`remove_document` / `sync` follow publish, update and repeal; `save` / `load` persist it with a
fingerprint so a stale or torn copy is refused; `generation` lets several processes tell whether their
copy matches the database's.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from models.policies.search import ranking
from models.policies.search.analysis import (
    DATA_DIR,
    TextAnalyzer,
    default_analyzer,
    main_renderings,
    read_list,
)
from models.policies.search.embedding import DIMENSION, Embedder, default_embedder
from models.policies.search.passages import Passage
from models.policies.search.snippets import highlight_spans

DocId = int | str
INDEX_FORMAT = 2
BM25_K1 = 1.2
BM25_B = 0.75
_META = "meta.json"
_ARRAYS = ("vectors", "lengths", "posting_rows", "posting_tfs", "posting_offsets", "marks", "mark_offsets")


class StaleIndexError(Exception):
    """A persisted index was built with other settings, or its files do not belong together."""


@dataclass(frozen=True)
class Hit:
    """One ranked passage. `snippet` is HTML-escaped text with <mark> around the matched terms."""

    doc_id: DocId
    ordinal: int
    heading_path: tuple[str, ...]
    text: str
    snippet: str
    score: float

    @property
    def heading(self) -> str:
        return Passage(self.heading_path, self.text).heading


@dataclass(frozen=True)
class SearchResult:
    """Ranked hits, or none with `abstained` set when nothing was relevant enough."""

    hits: list[Hit]
    abstained: bool
    generation: int


@dataclass(frozen=True)
class SyncReport:
    added: list[DocId] = field(default_factory=list)
    updated: list[DocId] = field(default_factory=list)
    removed: list[DocId] = field(default_factory=list)


def document_digest(passages: Sequence[Passage]) -> str:
    """Identifies a document's indexed content: equal digests need no re-indexing."""
    digest = hashlib.sha256()
    for passage in passages:
        digest.update(passage.digest.encode())
    return digest.hexdigest()[:16]


@dataclass
class _Prepared:
    """A document analysed and embedded outside the lock, ready to be swapped in."""

    doc_id: DocId
    passages: list[Passage]
    term_counts: list[Counter[str]]
    marks: list[list[tuple[str, int, int]]]  # the terms in each passage's text with their offsets
    vectors: np.ndarray


class PassageIndex:
    """BM25 + semantic passage index with abstention. Thread-safe; one instance per process.

    Rows of removed documents stay as tombstones until more than half the rows are dead, then the
    arrays are compacted; postings only ever hold live rows.
    """

    def __init__(
        self,
        analyzer: TextAnalyzer | None = None,
        embedder: Embedder | None = None,
        params: ranking.RankingParams = ranking.DEFAULT_PARAMS,
    ):
        self.analyzer = analyzer or default_analyzer()
        self.embedder = embedder or default_embedder()
        self.params = params
        self.generation = 0
        self._background: np.ndarray | None = None
        self._lock = threading.RLock()
        self._clear()

    def _clear(self) -> None:
        self._rows = 0
        self._row_doc: list[DocId] = []
        self._row_passage: list[Passage] = []
        self._row_ordinal: list[int] = []
        self._alive = np.zeros(0, dtype=bool)
        self._lengths = np.zeros(0, dtype=np.float32)
        self._vectors = np.zeros((0, DIMENSION), dtype=np.float32)
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._doc_rows: dict[DocId, list[int]] = {}
        self._doc_digest: dict[DocId, str] = {}
        self._row_by_passage: dict[str, int] = {}
        self._total_length = 0.0
        # Highlighting: each row's terms as (term id, start, end) in its text, found when the passage is
        # indexed, so that a search does not segment its hits again (that was a third of a search's time).
        self._row_marks: list[np.ndarray] = []
        self._mark_ids: dict[str, int] = {}

    # ----- identity -----

    @property
    def settings_fingerprint(self) -> str:
        """What the stored data depends on besides the documents: analysis, model, storage format."""
        key = f"{INDEX_FORMAT}:{self.analyzer.fingerprint}:{self.embedder.model_id}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    @property
    def fingerprint(self) -> str:
        """Changes whenever the settings or any document's content change."""
        with self._lock:
            items = sorted((repr(d), digest) for d, digest in self._doc_digest.items())
        return hashlib.sha256(json.dumps([self.settings_fingerprint, items]).encode()).hexdigest()[:16]

    def documents(self) -> dict[DocId, str]:
        """Indexed document ids with their content digests (see `document_digest`)."""
        with self._lock:
            return dict(self._doc_digest)

    def rows(self) -> list[Passage]:
        """Passages by row number, the order of the `scores` arrays (removed ones stay until compaction)."""
        with self._lock:
            return list(self._row_passage)

    def __len__(self) -> int:
        with self._lock:
            return int(self._alive[: self._rows].sum())

    # ----- changes -----

    def add_document(
        self,
        doc_id: DocId,
        passages: Sequence[Passage],
        *,
        vectors: np.ndarray | None = None,
        generation: int | None = None,
    ) -> None:
        """Index a document's passages, replacing what was indexed under the same id.

        `vectors` (one row per passage, from `embedder.passages`) skips embedding, e.g. when the caller
        keeps passage vectors next to the passages in its database.
        """
        prepared = self._prepare(doc_id, passages, vectors)
        with self._lock:
            self._drop(doc_id)
            self._append(prepared)
            self._advance(generation)

    def remove_document(self, doc_id: DocId, *, generation: int | None = None) -> bool:
        """Drop a document (repealed or deleted); False when it was not indexed."""
        with self._lock:
            removed = self._drop(doc_id)
            self._advance(generation)
            return removed

    def sync(self, documents: Mapping[DocId, Sequence[Passage]], *, generation: int | None = None) -> SyncReport:
        """Make the index hold exactly `documents`, touching only what changed.

        Meant for start-up after `load` and for catching up with the database: unchanged documents keep
        their rows, changed ones are re-indexed, missing ones removed.
        """
        current = self.documents()
        report = SyncReport()
        for doc_id, passages in documents.items():
            if current.get(doc_id) == document_digest(passages):
                continue
            (report.updated if doc_id in current else report.added).append(doc_id)
            prepared = self._prepare(doc_id, passages)
            with self._lock:
                self._drop(doc_id)
                self._append(prepared)
        with self._lock:
            for doc_id in current.keys() - documents.keys():
                self._drop(doc_id)
                report.removed.append(doc_id)
            self._advance(generation)
        return report

    def _advance(self, generation: int | None) -> None:
        self.generation = self.generation + 1 if generation is None else generation

    def _prepare(self, doc_id: DocId, passages: Sequence[Passage], given: np.ndarray | None = None) -> _Prepared:
        passages = list(passages)
        texts = [p.search_text for p in passages]
        analysed = [self._analyse(p) for p in passages]
        counts = [count for count, _ in analysed]
        marks = [mark for _, mark in analysed]
        if given is not None:
            if given.shape != (len(passages), DIMENSION):
                raise ValueError(f"expected vectors of shape {(len(passages), DIMENSION)}, got {given.shape}")
            return _Prepared(doc_id, passages, counts, marks, np.asarray(given, dtype=np.float32))
        vectors = np.empty((len(passages), DIMENSION), dtype=np.float32)
        missing = []
        with self._lock:  # unchanged passages (an edited policy) reuse their vectors
            for i, passage in enumerate(passages):
                row = self._row_by_passage.get(passage.digest)
                if row is not None and row < self._rows:
                    vectors[i] = self._vectors[row]
                else:
                    missing.append(i)
        if missing:  # embedding is the slow part: done outside the lock
            vectors[missing] = self.embedder.passages([texts[i] for i in missing])
        return _Prepared(doc_id, passages, counts, marks, vectors)

    def _analyse(self, passage: Passage) -> tuple[Counter[str], list[tuple[str, int, int]]]:
        """Term frequencies of the passage's search text, and the terms of its text with their offsets.

        The search text is the heading line, a line break, then the text; segmentation never crosses the
        line break, so the spans after it are exactly the spans of the text alone, shifted.
        """
        spans = list(self.analyzer.spans(passage.search_text))
        offset = len(passage.search_text) - len(passage.text)
        marks = [(span.term, span.start - offset, span.end - offset) for span in spans if span.start >= offset]
        return Counter(span.term for span in spans), marks

    def _mark_array(self, marks: list[tuple[str, int, int]]) -> np.ndarray:
        ids = self._mark_ids
        rows = [(ids.setdefault(term, len(ids)), start, end) for term, start, end in marks]
        return np.array(rows, dtype=np.int32).reshape(len(rows), 3)

    def _append(self, prepared: _Prepared) -> None:
        start, count = self._rows, len(prepared.passages)
        self._grow(start + count)
        new_postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, (passage, counts, marks) in enumerate(
            zip(prepared.passages, prepared.term_counts, prepared.marks, strict=True)
        ):
            row = start + i
            self._row_doc.append(prepared.doc_id)
            self._row_passage.append(passage)
            self._row_marks.append(self._mark_array(marks))
            self._row_ordinal.append(i)
            self._row_by_passage[passage.digest] = row
            self._lengths[row] = sum(counts.values())
            for term, tf in counts.items():
                rows, tfs = new_postings.setdefault(term, ([], []))
                rows.append(row)
                tfs.append(tf)
        for term, (rows, tfs) in new_postings.items():
            self._postings[term] = self._concat(term, np.array(rows, np.int32), np.array(tfs, np.float32))
        self._vectors[start : start + count] = prepared.vectors
        self._alive[start : start + count] = True
        self._total_length += float(self._lengths[start : start + count].sum())
        self._rows += count
        self._doc_rows[prepared.doc_id] = list(range(start, start + count))
        self._doc_digest[prepared.doc_id] = document_digest(prepared.passages)

    def _concat(self, term: str, rows: np.ndarray, tfs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if term not in self._postings:
            return rows, tfs
        old_rows, old_tfs = self._postings[term]
        return np.concatenate([old_rows, rows]), np.concatenate([old_tfs, tfs])

    def _grow(self, needed: int) -> None:
        if needed <= len(self._alive):
            return
        capacity = max(needed, 2 * len(self._alive), 64)
        self._alive = np.concatenate([self._alive, np.zeros(capacity - len(self._alive), bool)])
        self._lengths = np.concatenate([self._lengths, np.zeros(capacity - len(self._lengths), np.float32)])
        grown = np.zeros((capacity, DIMENSION), dtype=np.float32)
        grown[: len(self._vectors)] = self._vectors
        self._vectors = grown

    def _drop(self, doc_id: DocId) -> bool:
        rows = self._doc_rows.pop(doc_id, None)
        if rows is None:
            return False
        del self._doc_digest[doc_id]
        dead = np.array(rows, dtype=np.int32)
        terms = set().union(*(self.analyzer.terms(self._row_passage[r].search_text) for r in rows))
        for term in terms:
            term_rows, tfs = self._postings[term]
            keep = ~np.isin(term_rows, dead)
            if keep.any():
                self._postings[term] = (term_rows[keep], tfs[keep])
            else:
                del self._postings[term]
        self._alive[dead] = False
        self._total_length -= float(self._lengths[dead].sum())
        if self._rows - len(self) > len(self):
            self._compact()
        return True

    def _compact(self) -> None:
        """Renumber the live rows from 0, dropping tombstones."""
        live = np.flatnonzero(self._alive[: self._rows])
        if len(live) == self._rows == len(self._alive):
            return
        new_row = np.full(self._rows, -1, dtype=np.int32)
        new_row[live] = np.arange(len(live), dtype=np.int32)
        self._postings = {term: (new_row[rows], tfs) for term, (rows, tfs) in self._postings.items()}
        self._row_doc = [self._row_doc[r] for r in live]
        self._row_passage = [self._row_passage[r] for r in live]
        self._row_ordinal = [self._row_ordinal[r] for r in live]
        self._row_marks = [self._row_marks[r] for r in live]
        self._vectors = self._vectors[live].copy()
        self._lengths = self._lengths[live].copy()
        self._alive = np.ones(len(live), dtype=bool)
        self._rows = len(live)
        self._doc_rows = {d: [int(new_row[r]) for r in rows] for d, rows in self._doc_rows.items()}
        self._row_by_passage = {p.digest: row for row, p in enumerate(self._row_passage)}

    # ----- search -----

    def scores(self, query: str) -> ranking.QueryScores:
        """Both raw scores of every live passage for a query (the parts `search` fuses)."""
        weights, vector, translated = self._query(query)
        with self._lock:
            return self._scores(weights, vector, translated)

    def _query(self, query: str, embed: bool = True) -> tuple[dict[str, float], np.ndarray | None, bool]:
        """Weighted terms and e5 vector of a query, and whether it was translated.

        An English query is searched across languages (see `analysis.TextAnalyzer.translate`): BM25 gets the
        Chinese terms of its glossary phrases, and e5 embeds the query followed by their main Chinese
        renderings, which brings it closer to the Chinese passages than the English alone.
        """
        translations = self.analyzer.translate(query)
        weights = self.analyzer.query_terms(query, translations=translations)
        vector = None
        if embed:
            vector = self.embedder.query(f"{query} {main_renderings(translations)}" if translations else query)
        return weights, vector, bool(translations)

    def _background_similarity(self, vector: np.ndarray) -> float:
        """The query's best similarity to everyday off-topic texts (embedded once per index)."""
        if self._background is None:
            self._background = self.embedder.passages(read_list(DATA_DIR / "off_topic.txt"))
        return float((self._background @ vector).max())

    def _scores(
        self, weights: dict[str, float], vector: np.ndarray | None, translated: bool = False
    ) -> ranking.QueryScores:
        rows = self._rows
        alive = self._alive[:rows]
        count = max(int(alive.sum()), 1)
        average_length = max(self._total_length / count, 1.0)
        lexical = np.zeros(rows, dtype=np.float32)
        matched_idf = np.zeros(rows, dtype=np.float32)
        own_idf = 0.0
        unseen_idf = math.log(1 + (count + 0.5) / 0.5)
        for term, weight in weights.items():
            postings = self._postings.get(term)
            if postings is None:
                own_idf += unseen_idf if weight == 1.0 else 0.0
                continue
            term_rows, tfs = postings
            idf = math.log(1 + (count - len(term_rows) + 0.5) / (len(term_rows) + 0.5))
            norm = BM25_K1 * (1 - BM25_B + BM25_B * self._lengths[term_rows] / average_length)
            lexical[term_rows] += weight * idf * tfs * (BM25_K1 + 1) / (tfs + norm)
            if weight == 1.0:
                own_idf += idf
                matched_idf[term_rows] += idf
        semantic = (
            self._vectors[:rows] @ vector if vector is not None else np.zeros(rows, dtype=np.float32)
        )
        coverage = matched_idf / own_idf if own_idf > 0 else matched_idf
        background = self._background_similarity(vector) if vector is not None else 1.0
        return ranking.QueryScores(lexical, semantic, coverage, alive.copy(), background, translated)

    def search(self, query: str, k: int = 5, *, method: ranking.Method = ranking.Method.HYBRID,
               vector: np.ndarray | None = None) -> SearchResult:
        """The `k` best passages for a query, or none (abstained) when nothing is relevant enough.

        `vector`: the query's e5 vector when the caller has it already (as `_query` would embed it)."""
        weights, embedded, translated = self._query(query, embed=vector is None and method != ranking.Method.BM25)
        vector = embedded if vector is None else vector
        with self._lock:
            generation = self.generation
            scores = self._scores(weights, vector, translated)
            ranked = ranking.rank(scores, method, self.params)
            if ranked.abstained:
                return SearchResult([], True, generation)
            top = [
                (self._row_doc[r], self._row_ordinal[r], self._row_passage[r], self._row_marks[r],
                 float(ranked.scores[r]))
                for r in ranked.order[:k]
            ]
            wanted = np.array([self._mark_ids[t] for t in weights if t in self._mark_ids], dtype=np.int32)
        hits = [
            Hit(doc_id, ordinal, passage.heading_path, passage.text,
                highlight_spans(passage.text, marks[np.isin(marks[:, 0], wanted)][:, 1:].tolist()), score)
            for doc_id, ordinal, passage, marks, score in top
        ]
        return SearchResult(hits, False, generation)

    # ----- persistence -----

    def save(self, directory: str | os.PathLike[str]) -> None:
        """Write the index to `directory` (compacted); the metadata file is written last."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._compact()
            arrays, terms = self._arrays()
            documents = [
                {
                    "doc_id": doc_id,
                    "digest": self._doc_digest[doc_id],
                    "passages": [
                        {"heading_path": list(self._row_passage[r].heading_path), "text": self._row_passage[r].text}
                        for r in rows
                    ],
                }
                for doc_id, rows in sorted(self._doc_rows.items(), key=lambda item: item[1][0])
            ]
            meta = {
                "format": INDEX_FORMAT,
                "settings": self.settings_fingerprint,
                "fingerprint": self.fingerprint,
                "generation": self.generation,
                "terms": terms,
                "mark_terms": sorted(self._mark_ids, key=self._mark_ids.__getitem__),
                "documents": documents,
                "checksums": {name: _checksum(array) for name, array in arrays.items()},
            }
        for name, array in arrays.items():
            _replace(path / f"{name}.npy", lambda f, a=array: np.save(f, a, allow_pickle=False))
        _replace(path / _META, lambda f: f.write(json.dumps(meta, ensure_ascii=False).encode()))

    def _arrays(self) -> tuple[dict[str, np.ndarray], list[str]]:
        terms = sorted(self._postings)
        sizes = [len(self._postings[t][0]) for t in terms]
        offsets = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        empty_rows, empty_tfs = np.zeros(0, np.int32), np.zeros(0, np.float32)
        arrays = {
            "vectors": self._vectors[: self._rows],
            "lengths": self._lengths[: self._rows],
            "posting_rows": np.concatenate([self._postings[t][0] for t in terms] or [empty_rows]),
            "posting_tfs": np.concatenate([self._postings[t][1] for t in terms] or [empty_tfs]),
            "posting_offsets": offsets,
            "marks": np.concatenate(self._row_marks[: self._rows] or [np.zeros((0, 3), np.int32)]),
            "mark_offsets": np.cumsum([0] + [len(m) for m in self._row_marks[: self._rows]], dtype=np.int64),
        }
        return arrays, terms

    @classmethod
    def load(
        cls,
        directory: str | os.PathLike[str],
        analyzer: TextAnalyzer | None = None,
        embedder: Embedder | None = None,
        params: ranking.RankingParams = ranking.DEFAULT_PARAMS,
    ) -> PassageIndex:
        """Read an index written by `save`; raises `StaleIndexError` if it cannot be trusted."""
        path = Path(directory)
        index = cls(analyzer, embedder, params)
        try:
            meta = json.loads((path / _META).read_text(encoding="utf-8"))
            arrays = {name: np.load(path / f"{name}.npy", allow_pickle=False) for name in _ARRAYS}
        except (OSError, ValueError) as error:
            raise StaleIndexError(f"cannot read index in {path}: {error}") from error
        if meta.get("format") != INDEX_FORMAT or meta.get("settings") != index.settings_fingerprint:
            raise StaleIndexError("index was built with other analysis settings or another model")
        if {name: _checksum(a) for name, a in arrays.items()} != meta.get("checksums"):
            raise StaleIndexError("index files do not match their metadata (partial or mixed write)")
        index._restore(meta, arrays)
        if index.fingerprint != meta["fingerprint"]:
            raise StaleIndexError("index content does not match its fingerprint")
        return index

    def _restore(self, meta: dict, arrays: dict[str, np.ndarray]) -> None:
        offsets = arrays["posting_offsets"]
        rows, tfs = arrays["posting_rows"], arrays["posting_tfs"]
        self._postings = {
            term: (rows[offsets[i] : offsets[i + 1]], tfs[offsets[i] : offsets[i + 1]])
            for i, term in enumerate(meta["terms"])
        }
        for document in meta["documents"]:
            doc_id = document["doc_id"]
            start = len(self._row_passage)
            for ordinal, item in enumerate(document["passages"]):
                passage = Passage(tuple(item["heading_path"]), item["text"])
                self._row_doc.append(doc_id)
                self._row_passage.append(passage)
                self._row_ordinal.append(ordinal)
                self._row_by_passage[passage.digest] = start + ordinal
            self._doc_rows[doc_id] = list(range(start, len(self._row_passage)))
            self._doc_digest[doc_id] = document_digest(self._row_passage[start:])
            if self._doc_digest[doc_id] != document["digest"]:
                raise StaleIndexError(f"passages of document {doc_id!r} do not match their digest")
        self._rows = len(self._row_passage)
        self._mark_ids = {term: i for i, term in enumerate(meta["mark_terms"])}
        marks, mark_offsets = arrays["marks"], arrays["mark_offsets"]
        if len(mark_offsets) != self._rows + 1 or marks.ndim != 2 or marks.shape[1] != 3:
            raise StaleIndexError("highlight marks do not match the passages")
        self._row_marks = [marks[mark_offsets[r] : mark_offsets[r + 1]] for r in range(self._rows)]
        self._vectors = np.array(arrays["vectors"], dtype=np.float32)
        self._lengths = np.array(arrays["lengths"], dtype=np.float32)
        self._alive = np.ones(self._rows, dtype=bool)
        self._total_length = float(self._lengths.sum())
        self.generation = meta["generation"]
        if self._vectors.shape != (self._rows, DIMENSION):
            raise StaleIndexError("vector matrix does not match the passages")


def _checksum(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()[:16]


def _replace(target: Path, write) -> None:
    """Write through a temporary file and rename, so a reader never sees a half-written file."""
    temporary = target.with_suffix(target.suffix + ".tmp")
    with open(temporary, "wb") as handle:
        write(handle)
    os.replace(temporary, target)
