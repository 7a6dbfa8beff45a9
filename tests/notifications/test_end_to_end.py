"""End to end with the embedded dispatcher thread: an officer's action through the API reaches the
citizen's two phones through the real firebase-admin SDK, each in its own language, and the inbox."""

from __future__ import annotations

import pytest

from notifications import outbox
from notifications.dispatcher import Dispatcher
from notifications.runtime import EmbeddedDispatcher
from tests.factories import act_ok, citizen_submits, wait_until


@pytest.fixture
def embedded(app, session, fcm_sender):
    """The API process's dispatcher thread, as DISPATCHER=embedded starts it, sending to the fake FCM."""
    running = EmbeddedDispatcher(Dispatcher(app.extensions["yiwang.writer_sessions"], fcm_sender),
                                 poll_seconds=30.0)  # so that only the wake-up after commit can explain speed
    outbox.add_wake_hook(running.wake)
    running.start()
    yield running
    running.stop()
    outbox.remove_wake_hook(running.wake)
    assert not running.running


def pushes(fake, event):
    return {m["token"]: m for m in fake.sent_messages() if m["data"]["event"] == event}


def test_an_officers_action_reaches_both_phones_in_their_languages_and_the_inbox(client, accounts, embedded, fake_fcm):
    citizen, citizen_headers = accounts.citizen(language="zh")
    _, officer_headers = accounts.officer("SCJG")
    for token, platform, language in (("zh-phone-token", "android", "zh"), ("en-tablet-token", "ios", "en")):
        response = client.post("/api/v1/devices", headers=citizen_headers,
                               json={"token": token, "platform": platform, "language": language, "app_version": "2.3.0"})
        assert response.status_code == 201, response.get_json()
    case_no = citizen_submits(client, citizen_headers)
    wait_until(lambda: len(pushes(fake_fcm, "case_submitted")) == 2, timeout=10, message="the receipt pushes")

    act_ok(client, officer_headers, case_no, "accept", public_note="已受理")
    wait_until(lambda: len(pushes(fake_fcm, "case_accepted")) == 2, timeout=10, message="the acceptance pushes")
    act_ok(client, officer_headers, case_no, "request_supplement", missing_materials=["租赁合同"])
    wait_until(lambda: len(pushes(fake_fcm, "supplement_requested")) == 2, timeout=10, message="the supplement pushes")

    accepted = pushes(fake_fcm, "case_accepted")
    zh, en = accepted["zh-phone-token"], accepted["en-tablet-token"]
    assert zh["notification"]["title"] == "申请已受理" and case_no in zh["notification"]["body"]
    assert en["notification"]["title"] == "Application accepted" and case_no in en["notification"]["body"]
    assert zh["data"]["case_no"] == en["data"]["case_no"] == case_no and zh["data"]["status"] == "accepted"
    supplement = pushes(fake_fcm, "supplement_requested")
    assert "租赁合同" in supplement["zh-phone-token"]["notification"]["body"]
    assert "Upload them" in supplement["en-tablet-token"]["notification"]["body"]
    assert len(fake_fcm.sent_messages()) == 6  # nothing twice

    inbox = client.get("/api/v1/notifications", headers=citizen_headers).get_json()
    assert [item["event"] for item in inbox["items"]] == ["supplement_requested", "case_accepted", "case_submitted"]
    assert inbox["unread_count"] == 3 and inbox["items"][1]["title"] == "申请已受理"
    assert inbox["items"][1]["data"] == {"event": "case_accepted", "case_no": case_no, "status": "accepted"}
    assert zh["data"]["notification_id"] == str(inbox["items"][1]["id"])
