"""Rows and requests that many tests need, built through the real domain functions (one import for a new test).

Moments are local Asia/Shanghai days (``at``); people are made directly (``person``, no password: for
model tests) or through registration (the ``accounts`` fixture, for API tests); cases through the
workflow itself (``new_case``, ``file_case``, ``advance``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import time
import zlib
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models.accounts.user import Department, Role, User
from models.cases.case import Case
from models.cases.casework import perform_action, submit_case
from models.catalogue.service import fetch_service
from models.demo import load_catalogue

SHANGHAI = ZoneInfo("Asia/Shanghai")
CATALOGUE = load_catalogue()
DEMO_CASES = json.loads((Path(__file__).parents[1] / "models/demo_data/cases.json").read_text(encoding="utf-8"))
FORMS = {item["service"]: item["form"] for item in reversed(DEMO_CASES["cases"])}
FORMS["YW-JYJ-001"] = {"child_name": "王小小", "child_birth_date": "2020-02-29", "child_gender": "male",
                       "household_type": "residence_permit", "home_address": "示范市江湾区春晖路12号",
                       "sibling_in_school": False, "guardian_mobile": "13800000001"}
SINGLE_STAGE, TWO_STAGE = "YW-SCJG-003", "YW-SCJG-001"
OFFICE = "/api/v1/office/cases"
_phones = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    """A moment on a local (Asia/Shanghai) calendar day, as the aware UTC timestamp the models store."""
    return dt.datetime(year, month, day, hour, tzinfo=SHANGHAI).astimezone(dt.UTC)


def person(session, role: str, department: str | None = "SCJG", name: str | None = None) -> User:
    dept = session.scalar(select(Department).where(Department.code == department)) if department else None
    user = User(phone=f"139{next(_phones):08d}", name=name or f"{role}{next(_phones)}", password_hash="-",
                role=Role(role), department=dept if role != "citizen" else None)
    session.add(user)
    session.flush()
    return user


def new_case(session, calendar, applicant: User, service: str = SINGLE_STAGE, now: dt.datetime | None = None) -> Case:
    return submit_case(session, applicant, fetch_service(session, service), FORMS[service], calendar=calendar, now=now)


def file_case(session, calendar, applicant, service=SINGLE_STAGE, now=None) -> Case:
    case = new_case(session, calendar, applicant, service, now)
    session.commit()
    return case


def advance(session, calendar, case, actor, *actions, now=None):
    for action in actions:
        perform_action(session, case, actor, action, calendar=calendar, now=now, public_note="理由",
                       missing_materials=["经营场所使用证明"] if action == "request_supplement" else None)
    session.commit()


def png_bytes() -> bytes:
    """The smallest valid PNG (1×1), built here so no binary file sits in the tests."""
    def chunk(kind, data):
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) \
        + chunk(b"IEND", b"")


# -- through the API -------------------------------------------------------------------------------
def citizen_submits(client, headers, service=SINGLE_STAGE):
    response = client.post("/api/v1/cases", json={"service_code": service, "form": FORMS[service]}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["case_no"]


def office_case(client, headers, case_no):
    response = client.get(f"{OFFICE}/{case_no}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response


def act(client, headers, case_no, action, etag, key=None, **body):
    extra = {"If-Match": etag} if etag else {}
    if key:
        extra["Idempotency-Key"] = key
    return client.post(f"{OFFICE}/{case_no}/actions", json={"action": action, **body}, headers={**headers, **extra})


def act_ok(client, headers, case_no, action, **body):
    etag = office_case(client, headers, case_no).headers["ETag"]
    response = act(client, headers, case_no, action, etag, **body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def race(app, requests):
    """Fire the requests at once from threads, each with its own test client; answers in order."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def worker(index, send):
        local = app.test_client()
        barrier.wait()
        results[index] = send(local)

    threads = [threading.Thread(target=worker, args=(i, send)) for i, send in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def wait_until(predicate, timeout: float = 20.0, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.02)
