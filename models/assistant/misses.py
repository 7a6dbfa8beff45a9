"""What the assistant could not answer (未解决问题): every abstention, fallback, hand-over and thumbs-down,
kept for the team to review and turn into a guide FAQ or an NLU example.

Questions are stored with ID numbers and mobile numbers masked. The review list groups similar
questions (same normalised text, or mostly the same search terms) with their counts.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field

from sqlalchemy import Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.accounts.identity import mask_text_ids
from models.base import Base, UTCDateTime, utcnow
from models.db import transactional
from models.policies.search import TextAnalyzer, normalize

# Two questions are one group when they share this much of their search terms (Jaccard).
SAME_QUESTION = 0.6
MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_NOT_WORD = re.compile(r"[\W_]+")


class MissKind(enum.StrEnum):
    ABSTAIN = "abstain"  # the assistant searched and found nothing reliable
    FALLBACK = "fallback"  # it asked the citizen to rephrase
    HANDOVER = "handover"  # it handed over to a person (a complaint, 转人工, or twice not understood)
    UNHELPFUL = "unhelpful"  # the citizen marked a reply as not helpful (thumbs down)
    HELPFUL = "helpful"  # thumbs up: recorded, not listed as a miss


class AssistantMiss(Base):
    __tablename__ = "assistant_misses"
    __table_args__ = (Index("ix_assistant_misses_created", "created_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="zh")
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


def mask_personal_numbers(text: str) -> str:
    """ID numbers and mainland mobile numbers masked (138****5678)."""
    return MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", mask_text_ids(text))


@transactional
def record_miss(session: Session, *, kind: MissKind, question: str, language: str, conversation_id: str,
                message_id: str | None = None, comment: str | None = None) -> AssistantMiss:
    miss = AssistantMiss(kind=kind.value, question=mask_personal_numbers(question.strip()), language=language,
                         conversation_id=conversation_id, message_id=message_id,
                         comment=mask_personal_numbers(comment) if comment else None)
    session.add(miss)
    session.flush()
    return miss


@dataclass
class MissGroup:
    sample: str  # the newest question of the group
    count: int
    last_seen: dt.datetime
    kinds: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)
    _terms: frozenset[str] = frozenset()
    _key: str = ""


def grouped_misses(session: Session, analyzer: TextAnalyzer, *, since: dt.datetime,
                   order: str = "recent") -> list[MissGroup]:
    """Misses since ``since`` grouped greedily, newest first: each question joins the first group whose
    sample has the same normalised text or shares ``SAME_QUESTION`` of its terms. Ordered newest group
    first (``recent``) or largest first (``count``)."""
    rows = session.scalars(
        select(AssistantMiss)
        .where(AssistantMiss.created_at >= since, AssistantMiss.kind != MissKind.HELPFUL.value)
        .order_by(AssistantMiss.created_at.desc(), AssistantMiss.id.desc())
    )
    groups: list[MissGroup] = []
    for row in rows:
        key = _NOT_WORD.sub("", normalize(row.question))
        terms = frozenset(analyzer.terms(row.question))
        group = next((g for g in groups if (key and g._key == key) or _similar(g._terms, terms)), None)
        if group is None:
            group = MissGroup(sample=row.question, count=0, last_seen=row.created_at, _terms=terms, _key=key)
            groups.append(group)
        group.count += 1
        group.kinds[row.kind] = group.kinds.get(row.kind, 0) + 1
        group.languages[row.language] = group.languages.get(row.language, 0) + 1
        if row.comment and len(group.comments) < 5:
            group.comments.append(row.comment)
    if order == "count":
        groups.sort(key=lambda g: (-g.count, -g.last_seen.timestamp()))
    return groups


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) >= SAME_QUESTION
