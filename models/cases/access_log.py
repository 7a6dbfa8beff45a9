"""The staff access log (个人信息访问记录): every time staff read a case's personal data — listed in the inbox,
opened, or a file downloaded — one row records who, from which department, when and why.

The Personal Information Protection Law expects such a record: supervisors query their department's,
citizens see who (by role and staff number) in which department opened their case. Rows are only
ever added: changing or deleting one through the ORM raises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import ForeignKey, Index, Integer, Select, String, event, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.accounts.user import Department, Role, User
from models.base import Base, UTCDateTime, utcnow
from models.cases.case import Case
from models.db import transactional

REASONS = ("inbox", "detail", "download")


class CaseAccess(Base):
    __tablename__ = "case_access_log"
    __table_args__ = (Index("ix_case_access_log_case_accessed", "case_id", "accessed_at"),
                      Index("ix_case_access_log_department_accessed", "department_id", "accessed_at", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    reason: Mapped[str] = mapped_column(String(16))
    attachment_id: Mapped[int | None] = mapped_column(Integer)
    accessed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship()
    user: Mapped[User] = relationship()
    department: Mapped[Department | None] = relationship()


class AppendOnly(RuntimeError):
    pass


@transactional
def record_access(session: Session, viewer: User, cases: Iterable[Case], reason: str, *,
                  attachment_id: int | None = None, now: dt.datetime | None = None) -> None:
    """Add one row per case that ``viewer`` (staff) read now; citizens reading their own cases are not logged.

    The API calls it in a writer session of its own, not the request's (``api.database.separate_writer_session``):
    the row is kept even when the read's own transaction is not, and a GET's reader session never writes."""
    if reason not in REASONS:
        raise ValueError(f"unknown access reason {reason!r}")
    if viewer.role is Role.CITIZEN:
        return
    now = now or utcnow()
    rows = [{"case_id": case.id, "user_id": viewer.id, "role": viewer.role.value, "department_id": viewer.department_id,
             "reason": reason, "attachment_id": attachment_id, "accessed_at": now} for case in cases]
    if rows:  # one INSERT for the whole page, however many rows
        session.execute(insert(CaseAccess), rows)


def access_log_query(viewer: User, *, case_no: str | None = None, user_id: int | None = None,
                     accessed_from: dt.datetime | None = None, accessed_to: dt.datetime | None = None) -> Select:
    """Rows a supervisor (their department's staff) or an admin (everyone) may read, with filters."""
    stmt = select(CaseAccess)
    if viewer.role is not Role.ADMIN:
        stmt = stmt.where(CaseAccess.department_id == viewer.department_id)
    if case_no:
        stmt = stmt.join(Case, Case.id == CaseAccess.case_id).where(Case.case_no == case_no)
    if user_id is not None:
        stmt = stmt.where(CaseAccess.user_id == user_id)
    if accessed_from is not None:
        stmt = stmt.where(CaseAccess.accessed_at >= accessed_from)
    if accessed_to is not None:
        stmt = stmt.where(CaseAccess.accessed_at < accessed_to)
    return stmt


def accesses_to(session: Session, case: Case) -> list[CaseAccess]:
    """Who read this case, newest first (shown to its applicant)."""
    return list(session.scalars(select(CaseAccess).where(CaseAccess.case_id == case.id)
                                .order_by(CaseAccess.accessed_at.desc(), CaseAccess.id.desc())))


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, _context, _instances) -> None:
    changed = [obj for obj in session.dirty if isinstance(obj, CaseAccess) and session.is_modified(obj)]
    if changed or any(isinstance(obj, CaseAccess) for obj in session.deleted):
        raise AppendOnly("the staff access log is append-only")
