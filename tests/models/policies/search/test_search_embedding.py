"""The query vector cache of the embedder: a repeated question is not embedded again; the cache is bounded."""

from __future__ import annotations

import numpy as np
import pytest

from models.policies.search.embedding import Embedder


@pytest.fixture(scope="module")
def embedder():
    return Embedder(query_cache_size=2)


def test_a_repeated_query_is_served_from_the_cache(embedder):
    embedder.forget_queries()
    hits, misses = embedder.query_hits, embedder.query_misses
    first = embedder.query("办营业执照需要什么材料")
    again = embedder.query("办营业执照需要什么材料")
    assert again is first and (embedder.query_hits - hits, embedder.query_misses - misses) == (1, 1)
    assert first.shape == (384,) and abs(float(np.linalg.norm(first)) - 1) < 1e-3
    with pytest.raises(ValueError):
        first[0] = 0.0  # shared between searches: nobody may change it


def test_the_cache_keeps_only_the_most_recently_asked(embedder):
    embedder.forget_queries()
    a = embedder.query("居住证怎么办理")
    embedder.query("新生儿落户")
    assert embedder.query("居住证怎么办理") is a  # now the most recent
    embedder.query("养老金资格认证")  # evicts 新生儿落户, the least recently asked
    misses = embedder.query_misses
    assert embedder.query("居住证怎么办理") is a and embedder.query_misses == misses
    embedder.query("新生儿落户")
    assert embedder.query_misses == misses + 1
    fresh = Embedder(query_cache_size=2)
    assert np.allclose(fresh.query("居住证怎么办理"), a)  # the cached vector is the model's own
