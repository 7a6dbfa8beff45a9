"""Service ratings (好差评) and the rectification (整改) a poor rating opens.

One rating per case (一事一评) by its applicant once the department has decided it; five levels from
非常不满意 (1) to 非常满意 (5) and optional indicator scores. A rating of 1 or 2 opens a rectification
item for the department, due in 15 working days; a supervisor closes it with a reply the citizen sees.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, Select, String, Text, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.accounts.user import Role, User
from models.base import Base, UTCDateTime, utcnow
from models.cases.case import Case
from models.cases.deadlines import WorkingCalendar
from models.cases.workflow import DECIDED_STATUSES, Status
from models.catalogue.service import Service
from models.db import transactional
from models.errors import N_, Conflict, Forbidden, NotFound, ValidationFailed

LEVELS: dict[int, dict[str, str]] = {
    5: {"zh": "非常满意", "en": "Very satisfied"},
    4: {"zh": "满意", "en": "Satisfied"},
    3: {"zh": "基本满意", "en": "Fairly satisfied"},
    2: {"zh": "不满意", "en": "Dissatisfied"},
    1: {"zh": "非常不满意", "en": "Very dissatisfied"},
}
INDICATORS: dict[str, dict[str, str]] = {
    "efficiency": {"zh": "办事效率", "en": "Efficiency"},
    "guide_accuracy": {"zh": "办事指南精确度", "en": "Accuracy of the guide"},
    "convenience": {"zh": "办事便捷度", "en": "Convenience"},
    "platform_usability": {"zh": "平台操作性", "en": "Ease of use of the platform"},
}
RECTIFICATION_LEVELS = frozenset({1, 2})
RECTIFICATION_WORKING_DAYS = 15
COMMENT_MAX = 500
REPLY_MAX = 2000


class Rating(Base):
    """A citizen's rating of one decided case."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    efficiency: Mapped[int | None] = mapped_column(Integer)
    guide_accuracy: Mapped[int | None] = mapped_column(Integer)
    convenience: Mapped[int | None] = mapped_column(Integer)
    platform_usability: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    case: Mapped[Case] = relationship(back_populates="rating")
    rectification: Mapped[Rectification | None] = relationship(back_populates="rating", uselist=False)

    @property
    def indicators(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in INDICATORS if getattr(self, name) is not None}


class Rectification(Base):
    """A department's duty to answer a poor rating (差评整改) within 15 working days."""

    __tablename__ = "rectifications"
    __table_args__ = (UniqueConstraint("rating_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    reply: Mapped[str] = mapped_column(Text, default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    rating: Mapped[Rating] = relationship(back_populates="rectification")
    case: Mapped[Case] = relationship()
    closed_by: Mapped[User | None] = relationship()


def rating_of(case: Case) -> Rating | None:
    """The case's rating, if any (loaded with the case by ``fetch_own_case`` and ``fetch_department_case``)."""
    return case.rating


def can_rate(case: Case, user: User, rating: Rating | None) -> bool:
    """Whether ``user`` may rate ``case`` now, given its ``rating`` (``rating_of``), if any."""
    return user.id == case.applicant_id and Status(case.status) in DECIDED_STATUSES and rating is None


def _check_scores(level, indicators: dict | None) -> dict[str, int]:
    errors: dict[str, list[str]] = {}
    if not _is_score(level):
        errors["level"] = [N_("Use a whole number from 1 to 5.")]
    indicators = indicators or {}
    for name, score in indicators.items():
        if name not in INDICATORS:
            errors[f"indicators.{name}"] = [N_("Unknown field.")]
        elif not _is_score(score):
            errors[f"indicators.{name}"] = [N_("Use a whole number from 1 to 5.")]
    if errors:
        raise ValidationFailed(errors)
    return indicators


def _is_score(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


@transactional
def rate_case(
    session: Session,
    case: Case,
    applicant: User,
    *,
    level: int,
    indicators: dict[str, int] | None = None,
    comment: str = "",
    calendar: WorkingCalendar,
    now: dt.datetime | None = None,
) -> Rating:
    """Record the applicant's one rating of a decided case; a poor one opens a rectification."""
    if case.applicant_id != applicant.id:
        raise NotFound(N_("There is no case with the number '{case_no}'."), case_no=case.case_no)
    if Status(case.status) not in DECIDED_STATUSES:
        raise Conflict(N_("A case can be rated once the department has decided it."))
    indicators = _check_scores(level, indicators)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed({"comment": [N_("The text is too long.")]})
    if rating_of(case) is not None:
        raise _already_rated()
    now = now or utcnow()
    rating = Rating(
        case_id=case.id, service_id=case.service_id, department_id=case.department_id, applicant_id=applicant.id,
        level=level, comment=comment, created_at=now, **indicators,
    )
    if level in RECTIFICATION_LEVELS:
        rating.rectification = Rectification(
            case=case, department_id=case.department_id, status="open", opened_at=now,
            due_date=calendar.add_working_days(calendar.local_date(now), RECTIFICATION_WORKING_DAYS),
        )
    try:
        with session.begin_nested():  # a concurrent second rating loses on the unique case_id
            session.add(rating)
    except IntegrityError as exc:
        raise _already_rated() from exc
    case.rating = rating
    return rating


def _already_rated() -> Conflict:
    return Conflict(N_("This case has already been rated."))


def fetch_rectification(session: Session, user: User, rectification_id: int) -> Rectification:
    """A rectification of the supervisor's own department; any other answers 404."""
    item = session.get(Rectification, rectification_id)
    if item is None or (user.role is not Role.ADMIN and item.department_id != user.department_id):
        raise NotFound(N_("There is no rectification item with the number {id}."), id=rectification_id)
    return item


def rectifications_query(user: User, status: str = "open") -> Select:
    """A supervisor's department's items (an admin's: all), for the list ordered by due date."""
    stmt = select(Rectification)
    if user.role is not Role.ADMIN:
        stmt = stmt.where(Rectification.department_id == user.department_id)
    if status != "all":
        stmt = stmt.where(Rectification.status == status)
    return stmt


@transactional
def close_rectification(
    session: Session, item: Rectification, supervisor: User, *, reply: str, now: dt.datetime | None = None
) -> Rectification:
    """A supervisor of the department answers the citizen and closes the item."""
    if supervisor.role is not Role.SUPERVISOR or supervisor.department_id != item.department_id:
        raise Forbidden(N_("Only a supervisor of the department can close a rectification item."))
    if item.status != "open":
        raise Conflict(N_("This rectification item is already closed."))
    reply = (reply or "").strip()
    if not reply:
        raise ValidationFailed({"reply": [N_("This field cannot be empty.")]})
    if len(reply) > REPLY_MAX:
        raise ValidationFailed({"reply": [N_("The text is too long.")]})
    item.status = "closed"
    item.reply = reply
    item.closed_by_id = supervisor.id
    item.closed_at = now or utcnow()
    session.flush()
    return item


def ratings_summary(session: Session, *, service: Service) -> dict:
    """Public, anonymous figures for one service: count, average, distribution, indicator averages."""
    return summarize(session, Rating.service_id == service.id)


def summarize(session: Session, *conditions) -> dict:
    columns = [func.count(Rating.id), func.avg(Rating.level)]
    columns += [func.avg(getattr(Rating, name)) for name in INDICATORS]
    count, average, *indicator_averages = session.execute(select(*columns).where(*conditions)).one()
    distribution = dict(
        session.execute(select(Rating.level, func.count(Rating.id)).where(*conditions).group_by(Rating.level)).all()
    )
    return {
        "count": count,
        "average": _rounded(average),
        "distribution": {level: distribution.get(level, 0) for level in sorted(LEVELS)},
        "indicators": {name: _rounded(value) for name, value in zip(INDICATORS, indicator_averages, strict=True)},
    }


def _rounded(value) -> float | None:
    return None if value is None else round(float(value), 2)
