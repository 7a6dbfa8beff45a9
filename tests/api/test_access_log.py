"""Staff reads of a case's personal data are logged append-only; supervisors query them, citizens see them
(issue #12, item 13)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from models.cases.access_log import AppendOnly, CaseAccess
from tests.factories import png_bytes
from tests.helpers import assert_problem

OFFICE = "/api/v1/office"


def test_inbox_detail_and_download_are_each_logged_and_shown_to_the_citizen(client, accounts, filed):
    case_no, citizen = filed
    upload = client.post(f"/api/v1/cases/{case_no}/attachments", headers=citizen, content_type="multipart/form-data",
                         data={"file": (io.BytesIO(png_bytes()), "id-card.png")})
    officer, officer_headers = accounts.officer("SCJG")
    assert client.get(f"{OFFICE}/cases", headers=officer_headers).status_code == 200
    assert client.get(f"{OFFICE}/cases/{case_no}", headers=officer_headers).status_code == 200
    file_id = upload.get_json()["id"]
    assert client.get(f"{OFFICE}/cases/{case_no}/attachments/{file_id}", headers=officer_headers).status_code == 200
    client.get(f"/api/v1/cases/{case_no}", headers=citizen)  # the applicant's own reads are not staff reads

    readers = client.get(f"/api/v1/cases/{case_no}/readers", headers=citizen)
    assert readers.status_code == 200
    items = readers.get_json()["items"]
    assert [item["reason"] for item in items] == ["download", "detail", "inbox"]
    assert {item["staff_number"] for item in items} == {officer.id}
    assert {item["staff_role"] for item in items} == {"officer"}
    assert {item["department"]["code"] for item in items} == {"SCJG"}
    assert items[0]["reason_label"] == "下载材料"
    assert officer.name not in readers.get_data(as_text=True)  # citizens never see staff names

    _, stranger = accounts.citizen()
    assert_problem(client.get(f"/api/v1/cases/{case_no}/readers", headers=stranger), 404)


def test_supervisors_query_their_departments_log_and_admins_every_log(client, accounts, filed):
    case_no, _ = filed
    officer, officer_headers = accounts.officer("SCJG")
    client.get(f"{OFFICE}/cases/{case_no}", headers=officer_headers)
    _, supervisor = accounts.officer("SCJG", role="supervisor")
    _, other_supervisor = accounts.officer("GAJ", role="supervisor")
    admin = accounts.headers(accounts.create("admin"))

    log = client.get(f"{OFFICE}/access-log", headers=supervisor, query_string={"case_no": case_no})
    assert log.status_code == 200
    [entry] = [item for item in log.get_json()["items"] if item["reason"] == "detail"]
    assert entry["case_no"] == case_no and entry["staff"] == {"id": officer.id, "name": officer.name,
                                                               "role": "officer"}
    by_user = client.get(f"{OFFICE}/access-log", headers=supervisor, query_string={"user_id": officer.id})
    assert {item["staff"]["id"] for item in by_user.get_json()["items"]} == {officer.id}
    assert client.get(f"{OFFICE}/access-log", headers=other_supervisor).get_json()["items"] == []
    assert any(item["case_no"] == case_no for item in client.get(f"{OFFICE}/access-log", headers=admin)
               .get_json()["items"])
    assert_problem(client.get(f"{OFFICE}/access-log", headers=officer_headers), 403)
    assert_problem(client.get(f"{OFFICE}/access-log", headers=supervisor, query_string={"from": "yesterday"}), 422)


def test_the_log_is_append_only(client, accounts, filed, session):
    case_no, _ = filed
    _, officer_headers = accounts.officer("SCJG")
    client.get(f"{OFFICE}/cases/{case_no}", headers=officer_headers)
    row = session.scalar(select(CaseAccess))
    row.reason = "inbox"
    with pytest.raises(AppendOnly):
        session.flush()
    session.rollback()
    session.delete(session.scalar(select(CaseAccess)))
    with pytest.raises(AppendOnly):
        session.flush()
    session.rollback()
