"""Policy search (政策检索) kept in step with the database, one index per process.

Each search first reads the shared generation token (one primary-key lookup). When another process has
published, changed or repealed a policy, the token differs and this process syncs its index from the
database, re-embedding only the documents whose content changed. The index is persisted under the
instance folder, so a restart loads it instead of embedding everything again.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.policies.policy import Policy, current_generation, published_documents
from models.policies.search import PassageIndex, SearchResult, StaleIndexError

log = logging.getLogger(__name__)
POINTER = "current"


@dataclass(frozen=True)
class PolicyHit:
    policy_id: int
    title: str
    doc_number: str
    issuer: str
    source: str
    ordinal: int
    heading_path: list[str]
    heading: str
    text: str
    snippet: str
    score: float


@dataclass(frozen=True)
class PolicyResults:
    items: list[PolicyHit]
    abstained: bool


class PolicySearch:
    def __init__(self, directory: str | os.PathLike | None = None, index_factory=PassageIndex):
        self.directory = Path(directory) if directory else None
        self._factory = index_factory
        self._index: PassageIndex | None = None
        self._token: str | None = None
        self._lock = threading.Lock()

    def index(self, session: Session) -> PassageIndex:
        """This process's index, synced with the database first if another change happened."""
        token = current_generation(session)
        if self._index is not None and self._token == token:
            return self._index
        with self._lock:
            if self._index is None:
                self._index = self._load()
            if self._token != token:
                report = self._index.sync(published_documents(session))
                self._token = token
                log.info("policy index synced to %s: +%d ~%d -%d", token, len(report.added),
                         len(report.updated), len(report.removed))
                if report.added or report.updated or report.removed:
                    self._save()
        return self._index

    def search(self, session: Session, query: str, k: int = 5, *, vector=None) -> PolicyResults:
        result: SearchResult = self.index(session).search(query, k, vector=vector)
        if result.abstained or not result.hits:
            return PolicyResults([], True)
        ids = {hit.doc_id for hit in result.hits}
        policies = {p.id: p for p in session.scalars(select(Policy).where(Policy.id.in_(ids)))}
        items = [
            PolicyHit(
                policy_id=hit.doc_id, title=policies[hit.doc_id].title, doc_number=policies[hit.doc_id].doc_number,
                issuer=policies[hit.doc_id].issuer, source=policies[hit.doc_id].source, ordinal=hit.ordinal,
                heading_path=list(hit.heading_path), heading=hit.heading, text=hit.text, snippet=hit.snippet,
                score=round(hit.score, 4),
            )
            for hit in result.hits
            if hit.doc_id in policies  # repealed between the sync and this read: leave it out
        ]
        return PolicyResults(items, not items)

    def _load(self) -> PassageIndex:
        if self.directory is not None:
            pointer = self.directory / POINTER
            try:
                return self._factory.load(self.directory / pointer.read_text().strip())
            except (OSError, StaleIndexError) as error:
                log.info("no usable persisted policy index (%s); building from the database", error)
        return self._factory()

    def _save(self) -> None:
        """Write a new snapshot directory, then switch the pointer (atomic; safe with several processes)."""
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        snapshot = Path(tempfile.mkdtemp(prefix="index-", dir=self.directory))
        self._index.save(snapshot)
        pointer_tmp = self.directory / f".{POINTER}.{os.getpid()}.{threading.get_ident()}"
        previous = self._pointed()
        pointer_tmp.write_text(snapshot.name)
        os.replace(pointer_tmp, self.directory / POINTER)
        if previous and previous != snapshot.name:
            shutil.rmtree(self.directory / previous, ignore_errors=True)

    def _pointed(self) -> str | None:
        try:
            return (self.directory / POINTER).read_text().strip()
        except OSError:
            return None
