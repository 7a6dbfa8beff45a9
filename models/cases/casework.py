"""What happens to a case: submission, workflow actions, materials, and the citizen's view of it."""

from __future__ import annotations

import datetime as dt
from typing import BinaryIO
from zoneinfo import ZoneInfo

import filetype
from sqlalchemy import Select, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, lazyload, selectinload

from models.accounts.user import Role, User
from models.base import utcnow
from models.cases.case import Attachment, Case, CaseEvent, CaseNumberCounter
from models.cases.deadlines import Deadline, WorkingCalendar, deadline_of, paused_working_days, start_clock
from models.cases.file_checks import has_active_content
from models.cases.forms import validate_form
from models.cases.workflow import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    STAFF,
    STATES,
    Clock,
    Status,
    Transition,
    find_transition,
    statuses_matching,
    transitions_from,
)
from models.catalogue.service import Service, ServiceVersion
from models.db import transactional
from models.errors import (
    N_,
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    UnsupportedFileType,
    ValidationFailed,
)
from models.pagination import SortKey
from models.rating import Rating
from models.storage import LocalStorage

ALLOWED_CONTENT_TYPES = {"image/jpeg", "image/png", "application/pdf"}
ATTACHMENTS_PER_CASE = 50


def _next_case_no(session: Session, now: dt.datetime, tz: ZoneInfo) -> str:
    """YW + local date + a per-day sequence, allocated atomically on both databases."""
    day = now.astimezone(tz).strftime("%Y%m%d")
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(CaseNumberCounter)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": CaseNumberCounter.last + 1})
        .returning(CaseNumberCounter.last)
    )
    number = session.execute(stmt).scalar_one()
    return f"YW{day}{number:06d}"


def record_event(
    session: Session,
    case: Case,
    *,
    action: str,
    actor: User | None,
    from_status: str | None,
    to_status: str,
    public_note: str = "",
    internal_note: str = "",
    data: dict | None = None,
    now: dt.datetime | None = None,
) -> CaseEvent:
    seq = len(case.events) + 1
    event = CaseEvent(
        case=case, seq=seq, action=action, actor=actor,
        actor_role=actor.role.value if actor else "system",
        from_status=from_status, to_status=to_status,
        public_note=public_note or "", internal_note=internal_note or "",
        data=data or {}, created_at=now or utcnow(),
    )
    session.add(event)
    return event


@transactional
def submit_case(
    session: Session,
    applicant: User,
    service: Service,
    form: dict,
    *,
    calendar: WorkingCalendar,
    now: dt.datetime | None = None,
) -> Case:
    """File an application (申请) under the service's current guide version."""
    if applicant.role is not Role.CITIZEN:
        raise Forbidden(N_("Only citizens' accounts can submit applications."))
    version = service.current_version
    clean_form = validate_form(version.guide["form_fields"], form)
    now = now or utcnow()
    case = Case(
        case_no=_next_case_no(session, now, calendar.tz), service=service, service_version=version,
        department_id=service.department_id, applicant=applicant, status=Status.SUBMITTED.value,
        form=clean_form, submitted_at=now, updated_at=now,
    )
    session.add(case)
    record_event(session, case, action="submit", actor=applicant, from_status=None,
                 to_status=Status.SUBMITTED.value, now=now)
    session.flush()
    return case


NEWEST_FIRST = [SortKey(Case.submitted_at, descending=True, kind=dt.datetime), SortKey(Case.id, descending=True)]


def own_cases_query(applicant: User, *, status: str | None = None, updated_since: dt.datetime | None = None) -> Select:
    """The citizen's own cases, for ``NEWEST_FIRST`` keyset pages; ``status`` as ``statuses_matching`` reads it."""
    stmt = select(Case).where(Case.applicant_id == applicant.id).options(*CASE_ROW)
    if status:
        stmt = stmt.where(Case.status.in_(statuses_matching(status)))
    if updated_since:
        stmt = stmt.where(Case.updated_at > updated_since)
    return stmt


# A case row shows the name of its own guide version (joined by default), not the service's current guide,
# and reads no whole guide.
CASE_ROW = (
    joinedload(Case.service).options(lazyload(Service.current_version), lazyload(Service.department)),
    joinedload(Case.service_version).defer(ServiceVersion.guide),
)
# Everything a case's page shows, loaded with the case in two statements (the case with its service, files
# and rating; then its timeline with each step's actor) instead of one lazy load per relation. Staff also
# see the people; every join costs even when empty, so the citizen's page leaves them out.
CASE_PAGE = (
    joinedload(Case.service).lazyload(Service.current_version),
    joinedload(Case.attachments),
    joinedload(Case.rating).joinedload(Rating.rectification),
    selectinload(Case.events).joinedload(CaseEvent.actor),
)
STAFF_CASE_PAGE = (
    *CASE_PAGE,
    joinedload(Case.applicant).lazyload(User.department),
    joinedload(Case.assigned_to).lazyload(User.department),
    joinedload(Case.recommended_by).lazyload(User.department),
)


# Built once, with a parameter: building a statement with its options costs more than running it.
CASE_PAGE_QUERY = select(Case).where(Case.case_no == bindparam("case_no")).options(*CASE_PAGE)
STAFF_CASE_PAGE_QUERY = select(Case).where(Case.case_no == bindparam("case_no")).options(*STAFF_CASE_PAGE)


def fetch_case(session: Session, case_no: str, query: Select = CASE_PAGE_QUERY) -> Case:
    """The case with what its page shows (``CASE_PAGE_QUERY`` or ``STAFF_CASE_PAGE_QUERY``); else 404."""
    case = session.scalars(query, {"case_no": case_no}).unique().one_or_none()
    if case is None:
        raise NotFound(N_("There is no case with the number '{case_no}'."), case_no=case_no)
    return case


def fetch_own_case(session: Session, user: User, case_no: str) -> Case:
    """A citizen's own case; someone else's answers exactly like a missing one (404)."""
    case = fetch_case(session, case_no)
    if case.applicant_id != user.id:
        raise NotFound(N_("There is no case with the number '{case_no}'."), case_no=case_no)
    return case


def fetch_department_case(session: Session, user: User, case_no: str) -> Case:
    """A case of the staff member's department; another department's answers like a missing one (404)."""
    case = fetch_case(session, case_no, STAFF_CASE_PAGE_QUERY)
    if not can_see_case(user, case):
        raise NotFound(N_("There is no case with the number '{case_no}'."), case_no=case_no)
    return case


def can_see_case(user: User, case: Case) -> bool:
    if user.role is Role.CITIZEN:
        return case.applicant_id == user.id
    if user.role in (Role.OFFICER, Role.SUPERVISOR):
        return case.department_id == user.department_id
    return user.role is Role.ADMIN


def _may_take(transition: Transition, case: Case, user: User) -> bool:
    if user.role not in transition.roles or not can_see_case(user, case):
        return False
    if user.role is Role.OFFICER and case.assigned_to_id not in (None, user.id):
        return False
    return not (transition.decides_recommendation and case.recommended_by_id == user.id)


def allowed_actions(case: Case, user: User) -> list[str]:
    """The actions this user may take on this case now (the app shows only these buttons)."""
    status = Status(case.status)
    return [t.action for t in transitions_from(status, case.two_stage) if _may_take(t, case, user)]


@transactional
def perform_action(
    session: Session,
    case: Case,
    actor: User,
    action: str,
    *,
    calendar: WorkingCalendar,
    expected_version: int | None = None,
    public_note: str = "",
    internal_note: str = "",
    missing_materials: list[str] | None = None,
    data: dict | None = None,
    now: dt.datetime | None = None,
) -> CaseEvent:
    """Apply one workflow action, checking the table, the actor and the version; append its event."""
    _check_version(case, expected_version)
    status = Status(case.status)
    transition = find_transition(action, status, case.two_stage)
    if transition is None:
        raise InvalidTransition(action=action, status=status.value)
    if not _may_take(transition, case, actor):
        if transition.decides_recommendation and case.recommended_by_id == actor.id:
            raise Forbidden(N_("The person who recommended a decision cannot also make it."))
        raise Forbidden()
    errors: dict[str, list[str]] = {}
    if transition.needs_reason and not public_note.strip():
        errors["public_note"] = [N_("Give the applicant the reason.")]
    if transition.needs_missing_materials and not missing_materials:
        errors["missing_materials"] = [N_("List every missing or incorrect material at once.")]
    if errors:
        raise ValidationFailed(errors)
    now = now or utcnow()
    _enter(case, transition, actor, now, calendar)
    event_data = dict(data or {})
    if missing_materials:
        event_data["missing_materials"] = missing_materials
    event = record_event(
        session, case, action=action, actor=actor, from_status=status.value,
        to_status=transition.target.value, public_note=public_note, internal_note=internal_note,
        data=event_data, now=now,
    )
    session.flush()
    return event


def _enter(case: Case, transition: Transition, actor: User, now: dt.datetime, calendar: WorkingCalendar) -> None:
    """Move the case into the transition's target state and keep its bookkeeping and clock right."""
    before, after = STATES[transition.source].clock, STATES[transition.target].clock
    case.status = transition.target.value
    case.updated_at = now
    if transition.action == "accept":
        case.accepted_at = now
        guide = case.guide
        case.due_date, case.statutory_due_date = start_clock(
            calendar, now, guide["promised_days"], guide["statutory_days"]
        )
    if before is Clock.RUNNING and after is Clock.STOPPED:
        case.clock_stopped_at = now
    if before is Clock.STOPPED and after is Clock.RUNNING and case.clock_stopped_at is not None:
        paused = paused_working_days(calendar, case.clock_stopped_at, now)
        case.paused_working_days += paused
        case.due_date = calendar.add_working_days(case.due_date, paused)
        case.statutory_due_date = calendar.add_working_days(case.statutory_due_date, paused)
        case.clock_stopped_at = None
    if transition.target is Status.PENDING_DECISION:
        case.recommended_by = actor
    if actor.role is Role.OFFICER and case.assigned_to_id is None:
        case.assigned_to = actor
    if STATES[transition.target].final:
        case.closed_at = now


def case_deadline(case: Case, calendar: WorkingCalendar, now: dt.datetime | None = None) -> Deadline:
    return deadline_of(
        calendar, due_date=case.due_date, statutory_due_date=case.statutory_due_date,
        clock=STATES[Status(case.status)].clock.value, clock_stopped_at=case.clock_stopped_at,
        now=now or utcnow(),
    )


@transactional
def add_attachment(
    session: Session,
    storage: LocalStorage,
    case: Case,
    uploader: User,
    stream: BinaryIO,
    *,
    filename: str,
    material: str = "",
    visibility: str = "public",
    max_size: int,
) -> Attachment:
    """Keep a material file: type sniffed from its bytes, size capped, sha256 recorded."""
    if Status(case.status) in FINAL_STATUSES:
        raise Conflict(N_("Files can no longer be added to this case."))
    if len(case.attachments) >= ATTACHMENTS_PER_CASE:
        raise Conflict(N_("This case already has the maximum number of files."))
    head = stream.read(262)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_CONTENT_TYPES:
        raise UnsupportedFileType()
    if has_active_content(stream, kind.mime):
        raise UnsupportedFileType(N_("This file also contains web page or script content; send a plain scan "
                                     "or photo."))
    stream.seek(0)
    stored = storage.save(stream, max_size)
    if stored is None:
        raise PayloadTooLarge(N_("The file is larger than the limit of {limit} MB."), limit=max_size // (1024 * 1024))
    attachment = Attachment(
        case=case, uploaded_by_id=uploader.id, uploader_role=uploader.role.value,
        material=material, visibility=visibility, filename=_display_name(filename, kind.extension),
        content_type=kind.mime, size=stored.size, sha256=stored.sha256, storage_key=stored.key,
    )
    session.add(attachment)
    case.updated_at = utcnow()
    session.flush()
    return attachment


def resolve_material(case: Case, given: str) -> str:
    """A material named by its Chinese or English name or its number in the guide's list."""
    given = given.strip()
    if not given:
        return ""
    materials = case.guide.get("materials", [])
    for number, material in enumerate(materials, start=1):
        if given in (str(number), material["name"]["zh"], material["name"].get("en")):
            return material["name"]["zh"]
    raise ValidationFailed({"material": [N_("This is not one of the service's materials.")]})


def _display_name(filename: str, extension: str) -> str:
    """The client's file name as display text only: no directories, no control characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip(" .")[:200]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem or 'file'}.{extension}"


# Assignment is internal bookkeeping: recorded on the timeline without a status change, shown to staff only.
ASSIGNMENT_LABELS: dict[str, dict[str, str]] = {
    "claim": {"zh": "认领办件", "en": "Claimed"},
    "assign": {"zh": "指派承办人", "en": "Assigned"},
}
STAFF_ONLY_EVENTS = frozenset(ASSIGNMENT_LABELS)


def _check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != case.version:
        raise PreconditionFailed()


def _check_open(case: Case) -> None:
    if Status(case.status) not in OPEN_STATUSES:
        raise Conflict(N_("This case is closed; it can no longer be assigned."))


def _assign(session: Session, case: Case, assignee: User, *, actor: User, action: str, internal_note: str,
            now: dt.datetime | None) -> CaseEvent:
    now = now or utcnow()
    previous = case.assigned_to_id
    case.assigned_to = assignee
    case.updated_at = now
    event = record_event(
        session, case, action=action, actor=actor, from_status=case.status, to_status=case.status,
        internal_note=internal_note, data={"assigned_to": assignee.id, "previous_assignee": previous}, now=now,
    )
    session.flush()
    return event


def may_claim(case: Case, user: User) -> bool:
    """Whether the app should offer this user the claim button."""
    return (user.role in STAFF and can_see_case(user, case) and Status(case.status) in OPEN_STATUSES
            and case.assigned_to_id is None)


def may_assign(case: Case, user: User) -> bool:
    return user.role is Role.SUPERVISOR and can_see_case(user, case) and Status(case.status) in OPEN_STATUSES


@transactional
def claim_case(session: Session, case: Case, officer: User, *, expected_version: int | None = None,
               now: dt.datetime | None = None) -> CaseEvent | None:
    """An officer of the department takes an unassigned open case (认领); None when it is already theirs."""
    _check_version(case, expected_version)
    if officer.role not in STAFF or not can_see_case(officer, case):
        raise Forbidden()
    _check_open(case)
    if case.assigned_to_id == officer.id:
        return None
    if case.assigned_to_id is not None:
        raise Conflict(N_("This case is already assigned to {name}."), name=case.assigned_to.name)
    return _assign(session, case, officer, actor=officer, action="claim", internal_note="", now=now)


@transactional
def assign_case(session: Session, case: Case, supervisor: User, assignee: User | None, *,
                expected_version: int | None = None, internal_note: str = "",
                now: dt.datetime | None = None) -> CaseEvent | None:
    """A supervisor (负责人) gives an open case to a colleague of the case's department (指派)."""
    _check_version(case, expected_version)
    if supervisor.role is not Role.SUPERVISOR or not can_see_case(supervisor, case):
        raise Forbidden(N_("Only a supervisor of the department can assign cases."))
    if (assignee is None or not assignee.active or assignee.role not in STAFF
            or assignee.department_id != case.department_id):
        raise ValidationFailed({"officer_id": [N_("Choose an officer of the case's department.")]})
    _check_open(case)
    if case.assigned_to_id == assignee.id:
        return None
    return _assign(session, case, assignee, actor=supervisor, action="assign", internal_note=internal_note, now=now)


@transactional
def resubmit_case(
    session: Session,
    case: Case,
    applicant: User,
    *,
    form: dict | None = None,
    attachment_ids: list[int] | None = None,
    note: str = "",
    calendar: WorkingCalendar,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> CaseEvent:
    """The applicant answers a supplement request (补正): changed form fields and/or new files.

    Changed fields are validated against the case's own guide version; the event keeps what changed
    and which files answer the request, and the clock runs again.
    """
    _check_version(case, expected_version)
    if find_transition("resubmit", Status(case.status), case.two_stage) is None:
        raise InvalidTransition(action="resubmit", status=case.status)
    if case.applicant_id != applicant.id:
        raise Forbidden()
    changes, clean_form = _form_changes(case, form or {})
    files = _supplement_files(case, applicant, attachment_ids)
    if not changes and not files:
        raise ValidationFailed({"form": [N_("Change the form or add the missing files before resubmitting.")]})
    if changes:
        case.form = clean_form
    return perform_action(
        session, case, applicant, "resubmit", calendar=calendar, expected_version=expected_version,
        public_note=note, data={"changes": changes, "attachments": [a.id for a in files]}, now=now,
    )


def _form_changes(case: Case, changed: dict) -> tuple[dict, dict]:
    if not isinstance(changed, dict):
        raise ValidationFailed({"form": [N_("The form must be an object of field values.")]})
    clean = validate_form(case.guide["form_fields"], {**case.form, **changed})
    changes = {name: {"from": case.form.get(name), "to": value}
               for name, value in clean.items() if case.form.get(name) != value}
    return changes, clean


def _supplement_files(case: Case, applicant: User, attachment_ids: list[int] | None) -> list[Attachment]:
    """The files named, or else every file the applicant uploaded since the supplement request."""
    mine = [a for a in case.attachments if a.uploaded_by_id == applicant.id]
    if attachment_ids is None:
        return [a for a in mine if case.clock_stopped_at is None or a.created_at >= case.clock_stopped_at]
    by_id = {a.id: a for a in mine}
    unknown = [i for i in attachment_ids if i not in by_id]
    if unknown:
        raise ValidationFailed({"attachment_ids": [N_("These are not files you uploaded to this case.")]})
    return [by_id[i] for i in dict.fromkeys(attachment_ids)]
