"""Policy and service search (检索): text analysis, passage splitting and the passage index.

Pure domain code: no Flask, no database. The API hands it passages loaded from the database.
"""

from models.policies.search.analysis import TextAnalyzer, default_analyzer, normalize
from models.policies.search.embedding import Embedder, default_embedder
from models.policies.search.index import (
    Hit,
    PassageIndex,
    SearchResult,
    StaleIndexError,
    SyncReport,
    document_digest,
)
from models.policies.search.passages import Passage, split_document
from models.policies.search.ranking import Method

__all__ = [
    "Embedder",
    "Hit",
    "Method",
    "Passage",
    "PassageIndex",
    "SearchResult",
    "StaleIndexError",
    "SyncReport",
    "TextAnalyzer",
    "default_analyzer",
    "default_embedder",
    "document_digest",
    "normalize",
    "split_document",
]
