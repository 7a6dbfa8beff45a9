"""Fixtures for search tests: the seed document and one real index over it per test run.

The index uses the real e5 model (embedding the seed takes tens of seconds), so it is built once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from models.policies.search import PassageIndex, default_analyzer, split_document

SEED = Path(__file__).parent / "data" / "seed_000_f99a230b7505dd9c.txt"
SEED_TITLE = "电子政务与公共服务"
SEED_ID = "seed-000"


@pytest.fixture(scope="session")
def analyzer():
    return default_analyzer()


@pytest.fixture(scope="session")
def seed_text():
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_passages(seed_text):
    return split_document(seed_text, title=SEED_TITLE)


@pytest.fixture(scope="session")
def seed_index(seed_passages):
    index = PassageIndex()
    index.add_document(SEED_ID, seed_passages)
    return index
