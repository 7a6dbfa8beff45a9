"""Domain objects shaped for responses in the caller's language (then dumped by the schemas)."""

from __future__ import annotations

from api.i18n import language
from models.case import Case
from models.casework import allowed_actions, case_deadline
from models.deadlines import WorkingCalendar
from models.service import FOR_WHOM_CATEGORY, SERVICE_TYPE_LABELS, Service, ServiceType, localize
from models.user import Role, User
from models.workflow import ACTION_LABELS, STATES, Status


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
        "service_name": localize(case.guide["name"], lang),
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
        "action_label": ACTION_LABELS.get(event.action, {}).get(lang, event.action),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "status_label": STATES[Status(event.to_status)].label[lang],
        "actor_role": event.actor_role,
        "actor": _actor_name(event, lang, include_internal),
        "public_note": event.public_note,
        "missing_materials": event.data.get("missing_materials", []),
        "created_at": event.created_at,
    }
    if include_internal:
        view["internal_note"] = event.internal_note
        view["actor_id"] = event.actor_id
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
        "timeline": [_event_view(e, lang, include_internal) for e in case.events],
        "allowed_actions": allowed_actions(case, viewer),
        "version": case.version,
    }
