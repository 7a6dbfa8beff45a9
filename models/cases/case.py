"""Cases (办件): an application, its append-only timeline, its materials and idempotency records."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.accounts.user import Department, User
from models.base import Base, JSONType, UTCDateTime, utcnow
from models.catalogue.service import Service, ServiceVersion

if TYPE_CHECKING:
    from models.rating import Rating


# Open cases have no due date until accepted; the inbox sorts them after every dated one. A literal, not a
# parameter, so that the inbox's ORDER BY is the very expression of its index.
NO_DUE_DATE_SQL = literal_column("'9999-12-31'", Date)
OPEN_CASES = text("status IN ('accepted', 'pending_decision', 'submitted', 'supplement_requested')")
DECIDED_CASES = text("status IN ('approved', 'not_accepted', 'rejected')")


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    service_version_id: Mapped[int] = mapped_column(ForeignKey("service_versions.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    form: Mapped[dict] = mapped_column(JSONType)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    recommended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    clock_stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    paused_working_days: Mapped[int] = mapped_column(Integer, default=0)
    due_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    statutory_due_date: Mapped[dt.date | None] = mapped_column(Date)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)

    service: Mapped[Service] = relationship(lazy="joined")
    service_version: Mapped[ServiceVersion] = relationship(lazy="joined")
    department: Mapped[Department] = relationship()
    applicant: Mapped[User] = relationship(foreign_keys=[applicant_id])
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    recommended_by: Mapped[User | None] = relationship(foreign_keys=[recommended_by_id])
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.seq", cascade="save-update, merge"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", order_by="Attachment.id", cascade="save-update, merge"
    )
    rating: Mapped[Rating | None] = relationship(back_populates="case")  # 一事一评: at most one

    # Optimistic concurrency: every UPDATE checks and bumps the version (the case's ETag).
    __mapper_args__ = {"version_id_col": version}
    # The officer's inbox (a department's open cases in inbox order: models/cases/office.py) and the
    # stats of decided cases by decision time; they cover what those queries read (PostgreSQL: INCLUDE).
    # The status lists are the workflow's OPEN_STATUSES and DECIDED_STATUSES (tests/models/cases/test_workflow.py).
    __table_args__ = (
        Index("ix_cases_open_inbox", "department_id", func.coalesce(due_date, NO_DUE_DATE_SQL), "submitted_at", "id",
              postgresql_where=OPEN_CASES, sqlite_where=OPEN_CASES,
              postgresql_include=["service_id", "status", "due_date", "assigned_to_id"]),
        Index("ix_cases_decided_by_department", "department_id", "closed_at",
              postgresql_where=DECIDED_CASES, sqlite_where=DECIDED_CASES,
              postgresql_include=["service_id", "accepted_at", "paused_working_days", "due_date"]),
    )

    @property
    def guide(self) -> dict:
        return self.service_version.guide

    @property
    def two_stage(self) -> bool:
        return bool(self.service_version.two_stage)


class CaseEvent(Base):
    """One step of a case's timeline. Append-only: rows are never updated or deleted."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    public_note: Mapped[str] = mapped_column(Text, default="")
    internal_note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


@event.listens_for(CaseEvent, "before_update")
@event.listens_for(CaseEvent, "before_delete")
def _events_are_append_only(_mapper, _connection, target: CaseEvent) -> None:
    raise RuntimeError(f"case events are append-only (event {target.id} of case {target.case_id})")


class Attachment(Base):
    """A file on a case: the citizen's materials or an officer's field photo/document."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploader_role: Mapped[str] = mapped_column(String(16))
    material: Mapped[str] = mapped_column(String(200), default="")
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="attachments")


class IdempotencyRecord(Base):
    """Remembers a client's Idempotency-Key so a retried request returns the first result."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "scope", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseNumberCounter(Base):
    """Per-day sequence behind human-readable case numbers (YW + date + 6 digits)."""

    __tablename__ = "case_number_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
