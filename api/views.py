"""Domain objects shaped for responses in the caller's language (then dumped by the schemas)."""

from __future__ import annotations

from api.i18n import language
from models.accounts.user import Role, User
from models.cases.case import Case
from models.cases.casework import (
    ASSIGNMENT_LABELS,
    STAFF_ONLY_EVENTS,
    allowed_actions,
    case_deadline,
    may_assign,
    may_claim,
)
from models.cases.deadlines import WorkingCalendar
from models.cases.office import DepartmentFigures
from models.cases.workflow import ACTION_LABELS, STATES, Status
from models.catalogue.service import FOR_WHOM_CATEGORY, SERVICE_TYPE_LABELS, Service, ServiceType
from models.languages import localize
from models.rating import INDICATORS, LEVELS, Rating, Rectification, can_rate, rating_of

EVENT_LABELS = {**ACTION_LABELS, **ASSIGNMENT_LABELS}


def department_ref(department, lang: str | None = None) -> dict:
    lang = lang or language()
    return {"code": department.code, "name": localize(department.name, lang)}


def service_summary(service: Service, guide: dict | None = None, version_number: int | None = None) -> dict:
    lang = language()
    guide = guide if guide is not None else service.guide
    return {
        "code": service.code,
        "name": localize(guide["name"], lang),
        "type": guide["type"],
        "type_label": SERVICE_TYPE_LABELS[ServiceType(guide["type"])][lang],
        "category": FOR_WHOM_CATEGORY[guide["for_whom"]],
        "for_whom": guide["for_whom"],
        "department": department_ref(service.department, lang),
        "summary": localize(guide["summary"], lang),
        "promised_days": guide["promised_days"],
        "visits": guide["visits"],
        "online": "online" in guide["channels"],
        "active": service.active,
        "version": version_number or service.current_version.number,
        "updated_at": service.updated_at,
    }


def service_detail(service: Service, guide: dict | None = None, version_number: int | None = None) -> dict:
    """The whole guide, localized; ``guide`` selects an older version (a case's own)."""
    lang = language()
    guide = guide if guide is not None else service.guide
    local = localize({k: v for k, v in guide.items() if k != "keywords"}, lang)
    keywords = guide.get("keywords", {})
    return {
        **local,
        **service_summary(service, guide, version_number),
        "keywords": keywords.get(lang) or keywords.get("zh") or [],
    }


def case_summary(case: Case, calendar: WorkingCalendar) -> dict:
    lang = language()
    status = Status(case.status)
    state = STATES[status]
    deadline = case_deadline(case, calendar)
    return {
        "case_no": case.case_no,
        "service_code": case.service.code,
        "service_name": localize(case.service_version.name, lang),
        "status": status.value,
        "status_label": state.label[lang],
        "next_step": state.next_step[lang],
        "submitted_at": case.submitted_at,
        "updated_at": case.updated_at,
        "due_date": deadline.due_date,
        "working_days_left": deadline.working_days_left,
        "overdue": deadline.overdue,
    }


def _event_view(event, lang: str, include_internal: bool) -> dict:
    view = {
        "seq": event.seq,
        "action": event.action,
        "action_label": EVENT_LABELS.get(event.action, {}).get(lang, event.action),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "status_label": STATES[Status(event.to_status)].label[lang],
        "actor_role": event.actor_role,
        "actor": _actor_name(event, lang, include_internal),
        "public_note": event.public_note,
        "missing_materials": event.data.get("missing_materials", []),
        "changed_fields": sorted(event.data.get("changes", {})),
        "created_at": event.created_at,
    }
    if include_internal:
        view["internal_note"] = event.internal_note
        view["actor_id"] = event.actor_id
        view["data"] = event.data
    return view


def _actor_name(event, lang: str, include_internal: bool) -> str | None:
    """Staff see colleagues' names; citizens see the department, never an officer's name."""
    actor = event.actor
    if actor is None:
        return None
    if actor.role is Role.CITIZEN or include_internal:
        return actor.name
    return localize(actor.department.name, lang) if actor.department else None


def case_detail(case: Case, viewer: User, calendar: WorkingCalendar, *, include_internal: bool = False) -> dict:
    """The whole case; internal notes and internal files only when ``include_internal``."""
    lang = language()
    deadline = case_deadline(case, calendar)
    rating = rating_of(case)
    attachments = [a for a in case.attachments if include_internal or a.visibility == "public"]
    provided = {a.material for a in case.attachments if a.material}
    materials = [
        {"name": localize(m["name"], lang), "required": m["required"], "provided": m["name"]["zh"] in provided}
        for m in case.guide.get("materials", [])
    ]
    return {
        **case_summary(case, calendar),
        "service_version": case.service_version.number,
        "form": case.form,
        "statutory_due_date": deadline.statutory_due_date,
        "due_date_estimated": deadline.estimated,
        "accepted_at": case.accepted_at,
        "closed_at": case.closed_at,
        "department": department_ref(case.service.department, lang),
        "materials": materials,
        "attachments": attachments,
        "timeline": [
            _event_view(e, lang, include_internal)
            for e in case.events
            if include_internal or e.action not in STAFF_ONLY_EVENTS
        ],
        "allowed_actions": allowed_actions(case, viewer),
        "version": case.version,
        "rating": rating_view(rating),
        "can_rate": can_rate(case, viewer, rating),
    }


def person_ref(user: User | None) -> dict | None:
    return None if user is None else {"id": user.id, "name": user.name}


def office_case_item(case: Case, viewer: User, calendar: WorkingCalendar) -> dict:
    """A compact inbox row: enough to sort, to see the deadline and to show the right buttons."""
    return {
        **case_summary(case, calendar),
        "applicant_name": case.applicant.name,
        "assigned_to": person_ref(case.assigned_to),
        "two_stage": case.two_stage,
        "allowed_actions": allowed_actions(case, viewer),
        "can_claim": may_claim(case, viewer),
        "can_assign": may_assign(case, viewer),
        "version": case.version,
    }


def office_case_detail(case: Case, viewer: User, calendar: WorkingCalendar) -> dict:
    """The whole case for staff: internal notes and files, people, and the buttons this user gets."""
    return {
        **case_detail(case, viewer, calendar, include_internal=True),
        "applicant": {"id": case.applicant.id, "name": case.applicant.name, "phone": case.applicant.phone},
        "assigned_to": person_ref(case.assigned_to),
        "recommended_by": person_ref(case.recommended_by),
        "two_stage": case.two_stage,
        "paused_working_days": case.paused_working_days,
        "can_claim": may_claim(case, viewer),
        "can_assign": may_assign(case, viewer),
    }


def rating_view(rating: Rating | None) -> dict | None:
    if rating is None:
        return None
    lang = language()
    item = rating.rectification
    return {
        "case_no": rating.case.case_no,
        "level": rating.level,
        "level_label": LEVELS[rating.level][lang],
        "indicators": rating.indicators,
        "comment": rating.comment,
        "created_at": rating.created_at,
        "rectification": None if item is None else {
            "status": item.status, "due_date": item.due_date, "reply": item.reply, "closed_at": item.closed_at,
        },
    }


def ratings_summary_view(service: Service, summary: dict) -> dict:
    lang = language()
    return {
        "service_code": service.code,
        "service_name": localize(service.guide["name"], lang),
        "count": summary["count"],
        "average": summary["average"],
        "distribution": [
            {"level": level, "label": LEVELS[level][lang], "count": count}
            for level, count in sorted(summary["distribution"].items(), reverse=True)
        ],
        "indicators": [
            {"name": name, "label": INDICATORS[name][lang], "average": average}
            for name, average in summary["indicators"].items()
        ],
    }


def rectification_view(item: Rectification, calendar: WorkingCalendar, today) -> dict:
    """A rectification item for the supervisor; working days left count like a case's."""
    lang = language()
    rating, case = item.rating, item.case
    is_open = item.status == "open"
    return {
        "id": item.id,
        "case_no": case.case_no,
        "service_code": case.service.code,
        "service_name": localize(case.guide["name"], lang),
        "level": rating.level,
        "level_label": LEVELS[rating.level][lang],
        "indicators": rating.indicators,
        "comment": rating.comment,
        "status": item.status,
        "opened_at": item.opened_at,
        "due_date": item.due_date,
        "working_days_left": calendar.working_days_between(today, item.due_date) if is_open else None,
        "overdue": is_open and today > item.due_date,
        "reply": item.reply,
        "closed_by": person_ref(item.closed_by),
        "closed_at": item.closed_at,
    }


def staff_view(user: User, open_cases: int) -> dict:
    return {"id": user.id, "name": user.name, "role": user.role.value, "open_cases": open_cases}


def stats_view(rows: list[DepartmentFigures], date_from, date_to, today) -> dict:
    lang = language()
    return {
        "date_from": date_from,
        "date_to": date_to,
        "as_of": today,
        "departments": [
            {
                **department_ref(row.department, lang),
                **row.figures,
                "services": [
                    {"code": s.service.code, "name": localize(s.service.guide["name"], lang), **s.figures}
                    for s in row.services
                ],
            }
            for row in rows
        ],
    }
