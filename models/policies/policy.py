"""Published policies (政务公开): documents, their passages, and the search generation.

A policy is split into passages along its own structure when it is saved; search indexes the passages
of published policies only. Every change to what is published bumps one shared generation number in
the same transaction, so each API process can tell cheaply whether its in-memory index is current.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import uuid
from pathlib import Path

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from models.base import Base, JSONType, UTCDateTime, utcnow
from models.db import transactional
from models.errors import N_, Conflict, NotFound
from models.pagination import SortKey
from models.policies.search.passages import Passage, split_document


class PolicyStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    REPEALED = "repealed"  # 已废止: out of search, still readable by id


class Policy(Base):
    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    issuer: Mapped[str] = mapped_column(String(200), default="")
    doc_number: Mapped[str] = mapped_column(String(100), default="")  # 文号
    publish_date: Mapped[dt.date | None] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(64), default="", index=True)
    status: Mapped[str] = mapped_column(String(16), default=PolicyStatus.DRAFT.value, index=True)
    language: Mapped[str] = mapped_column(String(8), default="zh")
    body: Mapped[str] = mapped_column(Text)
    body_format: Mapped[str] = mapped_column(String(16), default="text")
    source: Mapped[str] = mapped_column(String(500), default="")
    content_digest: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    repealed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    passages: Mapped[list[PolicyPassage]] = relationship(
        back_populates="policy", order_by="PolicyPassage.ordinal", cascade="all, delete-orphan"
    )


class PolicyPassage(Base):
    """One passage of a policy with its heading path, as search returns and cites it."""

    __tablename__ = "policy_passages"
    __table_args__ = (UniqueConstraint("policy_id", "ordinal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    heading_path: Mapped[list] = mapped_column(JSONType)
    text: Mapped[str] = mapped_column(Text)

    policy: Mapped[Policy] = relationship(back_populates="passages")

    def as_passage(self) -> Passage:
        return Passage(tuple(self.heading_path), self.text)


class SearchGeneration(Base):
    """A single row counting changes to the published policies: the indexes' consistency token.

    ``epoch`` is drawn when the row is created, so a restored or re-created database never passes
    for one an index has already seen, even when the counters happen to match.
    """

    __tablename__ = "search_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32), default=lambda: uuid.uuid4().hex)
    value: Mapped[int] = mapped_column(Integer, default=0)


POLICY_FIELDS = ("title", "issuer", "doc_number", "publish_date", "category", "language", "body", "body_format",
                 "source")


def digest_of(title: str, body: str) -> str:
    return hashlib.sha256(f"{title.strip()}\n{body.strip()}".encode()).hexdigest()


def current_generation(session: Session) -> str:
    row = session.execute(select(SearchGeneration.epoch, SearchGeneration.value).where(SearchGeneration.id == 1)).first()
    return f"{row.epoch}:{row.value}" if row else "empty"


def _bump_generation(session: Session) -> None:
    if session.execute(update(SearchGeneration).where(SearchGeneration.id == 1)
                       .values(value=SearchGeneration.value + 1)).rowcount == 0:
        session.add(SearchGeneration(id=1, value=1))
    session.flush()


def _split(session: Session, policy: Policy) -> None:
    if policy.passages:
        # Old passages go first: the unit of work would otherwise insert the new ones before deleting
        # the old ones and trip the (policy, ordinal) unique constraint.
        policy.passages.clear()
        session.flush()
    policy.passages = [
        PolicyPassage(ordinal=n, heading_path=list(p.heading_path), text=p.text)
        for n, p in enumerate(split_document(policy.body, policy.title))
    ]


def fetch_policy(session: Session, policy_id: int) -> Policy:
    policy = session.get(Policy, policy_id)
    if policy is None:
        raise NotFound(N_("There is no policy with the id {id}."), id=policy_id)
    return policy


PUBLIC_STATUSES = (PolicyStatus.PUBLISHED.value, PolicyStatus.REPEALED.value)  # drafts: admins only
NEWEST_FIRST = [SortKey(Policy.updated_at, descending=True, kind=dt.datetime), SortKey(Policy.id, descending=True)]


_REVISION = select(Policy.status, Policy.updated_at, Policy.content_digest).where(Policy.id == bindparam("policy_id"))


def visible_policy_revision(session: Session, policy_id: int, *, admin: bool) -> tuple:
    """What identifies the policy's current text and state (status, last change, content digest), read
    without the text. A draft is missing (404) for everyone but admins."""
    row = session.execute(_REVISION, {"policy_id": policy_id}).first()
    if row is None:
        raise NotFound(N_("There is no policy with the id {id}."), id=policy_id)
    if row.status not in PUBLIC_STATUSES and not admin:
        raise NotFound()
    return tuple(row)


def fetch_policy_page(session: Session, policy_id: int) -> Policy:
    """The whole policy with its passages (two statements)."""
    policy = session.get(Policy, policy_id, options=[selectinload(Policy.passages)])
    if policy is None:
        raise NotFound(N_("There is no policy with the id {id}."), id=policy_id)
    return policy


def policies_query(*, admin: bool, status: str | None = None, category: str | None = None,
                   updated_since: dt.datetime | None = None) -> Select:
    """The policy list's rows (drafts only for admins), for ``NEWEST_FIRST`` keyset pages."""
    stmt = select(Policy)
    if not admin:
        stmt = stmt.where(Policy.status.in_(PUBLIC_STATUSES))
    if status:
        stmt = stmt.where(Policy.status == status)
    if category:
        stmt = stmt.where(Policy.category == category)
    if updated_since:
        stmt = stmt.where(Policy.updated_at > updated_since)
    return stmt


@transactional
def create_policy(session: Session, data: dict, *, publish: bool = False) -> Policy:
    policy = Policy(**{name: data[name] for name in POLICY_FIELDS if name in data})
    policy.content_digest = digest_of(policy.title, policy.body)
    session.add(policy)
    _split(session, policy)
    session.flush()
    if publish:
        publish_policy(session, policy)
    return policy


@transactional
def update_policy(session: Session, policy: Policy, data: dict) -> Policy:
    """Change a policy; its passages are split again and, if published, search catches up."""
    for name in POLICY_FIELDS:
        if name in data:
            setattr(policy, name, data[name])
    digest = digest_of(policy.title, policy.body)
    if digest != policy.content_digest:
        policy.content_digest = digest
        _split(session, policy)
    policy.updated_at = utcnow()
    session.flush()
    if policy.status == PolicyStatus.PUBLISHED:
        _bump_generation(session)
    return policy


@transactional
def publish_policy(session: Session, policy: Policy) -> Policy:
    if policy.status == PolicyStatus.PUBLISHED:
        raise Conflict(N_("This policy is already published."))
    policy.status = PolicyStatus.PUBLISHED.value
    policy.published_at = utcnow()
    policy.repealed_at = None
    policy.updated_at = policy.published_at
    _bump_generation(session)
    return policy


@transactional
def repeal_policy(session: Session, policy: Policy) -> Policy:
    """Repeal (废止): the policy leaves search but stays readable by id."""
    if policy.status != PolicyStatus.PUBLISHED:
        raise Conflict(N_("Only a published policy can be repealed."))
    policy.status = PolicyStatus.REPEALED.value
    policy.repealed_at = utcnow()
    policy.updated_at = policy.repealed_at
    _bump_generation(session)
    return policy


def find_duplicate(session: Session, title: str, body: str) -> Policy | None:
    return session.scalar(select(Policy).where(Policy.content_digest == digest_of(title, body)))


def published_documents(session: Session) -> dict[int, list[Passage]]:
    """Every published policy's passages, keyed by policy id: what the search index must hold."""
    rows = session.execute(
        select(PolicyPassage.policy_id, PolicyPassage.heading_path, PolicyPassage.text)
        .join(Policy, Policy.id == PolicyPassage.policy_id)
        .where(Policy.status == PolicyStatus.PUBLISHED.value)
        .order_by(PolicyPassage.policy_id, PolicyPassage.ordinal)
    )
    documents: dict[int, list[Passage]] = {}
    for policy_id, heading_path, text in rows:
        documents.setdefault(policy_id, []).append(Passage(tuple(heading_path), text))
    return documents


FRONT_MATTER_KEYS = {"title", "issuer", "doc_number", "publish_date", "category", "source", "language"}


def parse_policy_file(path: Path) -> dict:
    """A text or Markdown policy file: optional ``---`` front matter (key: value), then the body.

    The title is the front matter's, else the first Markdown heading or the first line.
    """
    text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").strip()
    meta: dict = {}
    if text.startswith("---\n") and "\n---" in text[4:]:
        header, text = text[4:].split("\n---", 1)
        for line in header.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in FRONT_MATTER_KEYS and value.strip():
                meta[key.strip()] = value.strip()
        text = text.strip()
    markdown = path.suffix.lower() in (".md", ".markdown")
    if "title" not in meta:
        first, _, rest = text.partition("\n")
        meta["title"] = first.lstrip("#").strip()
        text = rest.strip()
    if "publish_date" in meta:
        meta["publish_date"] = dt.date.fromisoformat(meta["publish_date"])
    meta.setdefault("source", path.name)
    return {**meta, "body": text, "body_format": "markdown" if markdown else "text"}


@transactional
def import_policy_file(session: Session, path: Path, *, publish: bool = True) -> tuple[str, Policy]:
    """Create (and publish) a policy from a file; ("skipped", existing) when the same text is there."""
    data = parse_policy_file(path)
    existing = find_duplicate(session, data["title"], data["body"])
    if existing is not None:
        return "skipped", existing
    return "created", create_policy(session, data, publish=publish)
