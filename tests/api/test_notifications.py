"""GET /api/v1/notifications (my inbox), POST /notifications/{id}/read and /notifications/read-all."""

from __future__ import annotations

from notifications.outbox import notify
from tests.helpers import assert_problem

INBOX = "/api/v1/notifications"


def fill_inbox(session, user, count: int) -> list[int]:
    ids = []
    for i in range(count):
        notification = notify(session, user, "case_accepted", case_no=f"YW20261201{i:06d}", status="accepted",
                              service={"zh": "个体工商户登记", "en": "Sole trader registration"})
        session.commit()
        ids.append(notification.id)
    return ids


def test_my_inbox_newest_first_with_cursor_and_unread_count(client, accounts, session):
    user, headers = accounts.citizen()
    other, _ = accounts.citizen()
    ids = fill_inbox(session, user, 5)
    fill_inbox(session, other, 2)

    first = client.get(f"{INBOX}?limit=2", headers=headers).get_json()
    assert [item["id"] for item in first["items"]] == ids[::-1][:2]
    assert first["unread_count"] == 5 and first["next_cursor"]
    item = first["items"][0]
    assert item["title"] == "申请已受理" and item["case_no"] == "YW20261201000004" and item["read"] is False
    assert item["data"] == {"event": "case_accepted", "case_no": "YW20261201000004", "status": "accepted"}
    rest = client.get(f"{INBOX}?limit=2&cursor={first['next_cursor']}", headers=headers).get_json()
    last = client.get(f"{INBOX}?limit=2&cursor={rest['next_cursor']}", headers=headers).get_json()
    assert [i["id"] for i in rest["items"] + last["items"]] == ids[::-1][2:] and last["next_cursor"] is None

    assert_problem(client.get(f"{INBOX}?cursor=not-a-cursor", headers=headers), 400, "bad-cursor")
    assert_problem(client.get(INBOX), 401)


def test_an_english_reader_gets_an_english_inbox(client, accounts, session):
    user, headers = accounts.citizen(language="en")
    fill_inbox(session, user, 1)
    item = client.get(INBOX, headers=headers).get_json()["items"][0]
    assert item["title"] == "Application accepted" and "Sole trader registration" in item["body"]


def test_mark_one_and_all_read(client, accounts, session):
    user, headers = accounts.citizen()
    other, other_headers = accounts.citizen()
    ids = fill_inbox(session, user, 3)

    read = client.post(f"{INBOX}/{ids[0]}/read", headers=headers)
    assert read.status_code == 200 and read.get_json()["read"] is True and read.get_json()["read_at"]
    again = client.post(f"{INBOX}/{ids[0]}/read", headers=headers)
    assert again.get_json()["read_at"] == read.get_json()["read_at"]
    assert_problem(client.post(f"{INBOX}/{ids[1]}/read", headers=other_headers), 404, "not-found")
    assert_problem(client.post(f"{INBOX}/999999/read", headers=headers), 404)

    unread = client.get(f"{INBOX}?unread=true", headers=headers).get_json()
    assert [i["id"] for i in unread["items"]] == [ids[2], ids[1]] and unread["unread_count"] == 2

    fill_inbox(session, other, 1)
    everything = client.post(f"{INBOX}/read-all", headers=headers)
    assert everything.status_code == 200 and everything.get_json() == {"marked": 2, "unread_count": 0}
    assert client.get(INBOX, headers=headers).get_json()["unread_count"] == 0
    assert client.get(INBOX, headers=other_headers).get_json()["unread_count"] == 1  # someone else's stay unread
