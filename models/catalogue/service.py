"""The service catalogue (办事指南): services and their immutable guide versions.

A service's guide is versioned: an update writes a new ServiceVersion, and each case points at the
version it was filed under, so editing the catalogue never rewrites a submitted case's guide.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, Select, String, UniqueConstraint, bindparam, select
from sqlalchemy.orm import Mapped, Session, column_property, joinedload, mapped_column, relationship, undefer

from models.accounts.user import Department
from models.base import Base, JSONType, UTCDateTime, utcnow
from models.db import transactional
from models.errors import N_, Conflict, NotFound


class ServiceType(enum.StrEnum):
    LICENSING = "licensing"  # 行政许可
    PAYMENT = "payment"  # 行政给付
    CONFIRMATION = "confirmation"  # 行政确认
    ADJUDICATION = "adjudication"  # 行政裁决
    REWARD = "reward"  # 行政奖励
    OTHER_POWER = "other_power"  # 其他行政权力
    PUBLIC_SERVICE = "public_service"  # 公共服务


SERVICE_TYPE_LABELS = {
    ServiceType.LICENSING: {"zh": "行政许可", "en": "Administrative licensing"},
    ServiceType.PAYMENT: {"zh": "行政给付", "en": "Administrative payment"},
    ServiceType.CONFIRMATION: {"zh": "行政确认", "en": "Administrative confirmation"},
    ServiceType.ADJUDICATION: {"zh": "行政裁决", "en": "Administrative adjudication"},
    ServiceType.REWARD: {"zh": "行政奖励", "en": "Administrative reward"},
    ServiceType.OTHER_POWER: {"zh": "其他行政权力", "en": "Other administrative power"},
    ServiceType.PUBLIC_SERVICE: {"zh": "公共服务", "en": "Public service"},
}

FOR_WHOM_CATEGORY = {"natural_person": "G2C", "legal_person": "G2B"}
FOR_WHOM_LABELS = {
    "natural_person": {"zh": "自然人", "en": "Individuals"},
    "legal_person": {"zh": "法人", "en": "Organisations"},
}


class Service(Base):
    """A catalogue entry (事项). Filterable facts are columns; the guide lives in its versions."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    category: Mapped[str] = mapped_column(String(8), index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_versions.id", use_alter=True, name="fk_services_current_version")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    department: Mapped[Department] = relationship(lazy="joined")
    current_version: Mapped[ServiceVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True, lazy="joined"
    )

    @property
    def guide(self) -> dict[str, Any]:
        return self.current_version.guide if self.current_version else {}


class ServiceVersion(Base):
    """An immutable snapshot of a service's guide (materials, form fields, time limits, …)."""

    __tablename__ = "service_versions"
    __table_args__ = (UniqueConstraint("service_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    guide: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Read from the guide by the database, so that lists of cases need not read (and decode) whole guides.
    name: Mapped[dict] = column_property(guide["name"])
    two_stage: Mapped[bool | None] = column_property(guide["two_stage"].as_boolean())

    service: Mapped[Service] = relationship(foreign_keys=[service_id])


def fetch_department(session: Session, code: str) -> Department:
    department = session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise NotFound(N_("There is no department with the code '{code}'."), code=code)
    return department


# For answers built once per guide version (the API's catalogue): a guide is read only to build one, and of
# the department only what an entry shows.
GUIDE_DEFERRED = (joinedload(Service.current_version).defer(ServiceVersion.guide),
                  joinedload(Service.department).load_only(Department.code, Department.name))


def load_guides(session: Session, services: list[Service]) -> None:
    """Read the current guides of services loaded with ``GUIDE_DEFERRED``, all in one statement."""
    ids = [s.current_version_id for s in services if s.current_version_id is not None]
    if ids:
        session.scalars(select(ServiceVersion).where(ServiceVersion.id.in_(ids)).options(undefer(ServiceVersion.guide))).all()


# An active service with its guide left unread: built once (building a statement costs more than running it).
ACTIVE_SERVICE_ENTRY = (select(Service).where(Service.code == bindparam("code"), Service.active.is_(True))
                        .options(*GUIDE_DEFERRED))


def fetch_service(session: Session, code: str, *, active_only: bool = True, query: Select | None = None) -> Service:
    """The service with this code (``query``: a prebuilt one such as ``ACTIVE_SERVICE_ENTRY``); else 404."""
    if query is None:
        query = select(Service).where(Service.code == bindparam("code"))
        if active_only:
            query = query.where(Service.active.is_(True))
    service = session.scalar(query, {"code": code})
    if service is None:
        raise NotFound(N_("There is no service with the code '{code}'."), code=code)
    return service


def _apply_guide(session: Session, service: Service, guide: dict) -> ServiceVersion:
    with session.no_autoflush:
        department = fetch_department(session, guide["department"])
    number = (service.current_version.number + 1) if service.current_version else 1
    version = ServiceVersion(service=service, number=number, guide=guide)
    session.add(version)
    service.department = department
    service.category = FOR_WHOM_CATEGORY[guide["for_whom"]]
    service.name_zh = guide["name"]["zh"]
    service.name_en = guide["name"]["en"]
    service.current_version = version
    service.updated_at = utcnow()
    return version


@transactional
def create_service(session: Session, guide: dict) -> Service:
    """Add a service to the catalogue from a validated bilingual guide."""
    if session.scalar(select(Service.id).where(Service.code == guide["code"])) is not None:
        raise Conflict(N_("A service with the code '{code}' already exists."), code=guide["code"])
    service = Service(code=guide["code"], active=True)
    session.add(service)
    _apply_guide(session, service, guide)
    session.flush()
    return service


@transactional
def update_service(session: Session, service: Service, guide: dict) -> Service:
    """Publish a new guide version; cases filed earlier keep the version they were filed under."""
    if guide["code"] != service.code:
        raise Conflict(N_("A service's code cannot be changed."))
    _apply_guide(session, service, guide)
    session.flush()
    return service


@transactional
def set_service_active(session: Session, service: Service, active: bool) -> Service:
    service.active = active
    service.updated_at = utcnow()
    session.flush()
    return service


def catalogue_query(*, category: str | None = None, department: str | None = None,
                    include_inactive: bool = False) -> Select:
    """Active services matching the catalogue filters (keywords: see models.catalogue.catalogue_search)."""
    stmt = select(Service)
    if not include_inactive:
        stmt = stmt.where(Service.active.is_(True))
    if category:
        stmt = stmt.where(Service.category == category)
    if department:
        stmt = stmt.join(Department, Service.department_id == Department.id).where(Department.code == department)
    return stmt
