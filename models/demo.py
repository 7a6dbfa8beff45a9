"""Demo data for ``make run`` and manual testing: the catalogue, accounts, and cases in every status.

Idempotent: running it again changes nothing unless the demo files changed (then services get a new
guide version).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.accounts.accounts import create_user
from models.accounts.identity import IdentityVault, PasswordPolicy
from models.accounts.user import Department, Role, User
from models.base import utcnow
from models.cases.case import Case
from models.cases.casework import perform_action, submit_case
from models.cases.deadlines import WorkingCalendar
from models.catalogue.service import Service, create_service, fetch_service, update_service
from models.db import transactional
from models.policies.policy import import_policy_file
from models.rating import rate_case

DATA = Path(__file__).parent / "demo_data"

DEMO_ACCOUNTS = [
    {"phone": "13800000001", "password": "Citizen#2026", "name": "王小明", "role": "citizen",
     "id_number": "11010519491231002X"},
    {"phone": "13800000002", "password": "Citizen#2026", "name": "李华", "role": "citizen", "language": "en"},
    {"phone": "13900000001", "password": "Officer#2026", "name": "陈晓", "role": "officer", "department": "SCJG"},
    {"phone": "13900000002", "password": "Supervisor#2026", "name": "周建国", "role": "supervisor",
     "department": "SCJG"},
    {"phone": "13900000009", "password": "Admin#2026", "name": "系统管理员", "role": "admin"},
]


def load_catalogue() -> dict:
    return json.loads((DATA / "catalogue.json").read_text(encoding="utf-8"))


def seed_departments(session: Session, departments: list[dict]) -> int:
    created = 0
    for item in departments:
        department = session.scalar(select(Department).where(Department.code == item["code"]))
        if department is None:
            department = Department(code=item["code"])
            session.add(department)
            created += 1
        for name in ("name", "region", "address", "hours", "phone"):
            setattr(department, name, item[name])
    session.flush()
    return created


def seed_services(session: Session, services: list[dict]) -> int:
    changed = 0
    for guide in services:
        existing = session.scalar(select(Service).where(Service.code == guide["code"]))
        if existing is None:
            create_service(session, guide)
            changed += 1
        elif existing.guide != guide:
            update_service(session, existing, guide)
            changed += 1
    return changed


def seed_accounts(session: Session, passwords: PasswordPolicy, vault: IdentityVault) -> dict[str, User]:
    users = {}
    for account in DEMO_ACCOUNTS:
        user = session.scalar(select(User).where(User.phone == account["phone"]))
        if user is None:
            department = None
            if account.get("department"):
                department = session.scalar(select(Department).where(Department.code == account["department"]))
            user = create_user(
                session, passwords, vault, phone=account["phone"], password=account["password"],
                name=account["name"], role=Role(account["role"]), department=department,
                id_number=account.get("id_number"), language=account.get("language", "zh"),
            )
        users[account["phone"]] = user
    return users


def seed_cases(session: Session, users: dict[str, User], calendar: WorkingCalendar) -> int:
    """Cases in every status for the market-regulation officer's inbox, once; two are rated, one poorly
    (so the supervisor has a rectification item to answer)."""
    if session.scalar(select(func.count(Case.id))):
        return 0
    actors = {"officer": users["13900000001"], "supervisor": users["13900000002"]}
    spec = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))["cases"]
    today = utcnow().replace(hour=2, minute=0, second=0, microsecond=0)
    for item in spec:
        applicant = users[item["applicant"]]
        moment = today - dt.timedelta(days=item["days_ago"])
        case = submit_case(session, applicant, fetch_service(session, item["service"]), item["form"],
                           calendar=calendar, now=moment)
        for step in item["steps"]:
            moment += dt.timedelta(days=step["days_later"], hours=1)
            actor = applicant if step["by"] == "citizen" else actors[step["by"]]
            perform_action(
                session, case, actor, step["action"], calendar=calendar, now=min(moment, utcnow()),
                public_note=step.get("public_note", ""), internal_note=step.get("internal_note", ""),
                missing_materials=step.get("missing_materials"),
            )
        if rating := item.get("rating"):
            moment += dt.timedelta(days=rating["days_later"])
            rate_case(session, case, applicant, level=rating["level"], indicators=rating["indicators"],
                      comment=rating["comment"], calendar=calendar, now=min(moment, utcnow()))
    return len(spec)


@transactional
def seed_demo(session: Session, *, passwords: PasswordPolicy, vault: IdentityVault,
              calendar: WorkingCalendar) -> dict[str, int]:
    catalogue = load_catalogue()
    report = {"departments created": seed_departments(session, catalogue["departments"])}
    report["services created or updated"] = seed_services(session, catalogue["services"])
    users = seed_accounts(session, passwords, vault)
    report["cases created"] = seed_cases(session, users, calendar)
    report["policies created"] = seed_policies(session)
    return report


def seed_policies(session: Session) -> int:
    """Publish the demo policy documents; the seed text on e-government is the first of them."""
    created = 0
    for path in sorted((DATA / "policies").glob("*")):
        if path.suffix.lower() in (".txt", ".md"):
            outcome, _ = import_policy_file(session, path, publish=True)
            created += outcome == "created"
    return created
