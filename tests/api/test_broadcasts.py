"""Emergency broadcasts and region topics, through the real firebase-admin SDK against the fake FCM:
POST /admin/broadcasts, GET /broadcasts, and devices subscribed to their region's topic via the API."""

from __future__ import annotations

import pytest

from tests.helpers import assert_problem
from tests.notifications import fake_fcm as answers

NOTICE = {"region": "310100", "title": {"zh": "暴雨红色预警", "en": "Red rainstorm warning"},
          "body": {"zh": "今夜有特大暴雨，请减少外出，远离低洼地带。", "en": "Extreme rain tonight: stay indoors, keep away from low ground."}}


@pytest.fixture
def fcm_app(app, fcm_sender, monkeypatch):
    """The API talking to the fake FCM (NOTIFY_BACKEND=fcm) instead of the log backend."""
    monkeypatch.setitem(app.extensions, "yiwang.sender", fcm_sender)
    return app


def register(client, headers, token, **extra):
    response = client.post("/api/v1/devices", headers=headers,
                           json={"token": token, "platform": "android", "language": "zh", **extra})
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def test_an_admin_broadcast_goes_to_the_regions_topics_in_both_languages(client, accounts, fcm_app, dispatcher,
                                                                         fake_fcm):
    admin = accounts.create("admin")
    headers = accounts.headers(admin)
    response = client.post("/api/v1/admin/broadcasts", json=NOTICE, headers=headers)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert {(d["topic"], d["language"], d["status"]) for d in created["deliveries"]} == {
        ("region-310100", "zh", "pending"), ("region-310100-en", "en", "pending")}

    assert dispatcher.run_once() == 2
    sent = {m["topic"]: m for m in fake_fcm.sent_messages()}
    zh, en = sent["region-310100"], sent["region-310100-en"]
    assert zh["notification"] == {"title": "暴雨红色预警", "body": NOTICE["body"]["zh"]}
    assert en["notification"] == {"title": "Red rainstorm warning", "body": NOTICE["body"]["en"]}
    assert zh["data"] == {"event": "broadcast", "broadcast_id": str(created["id"])}
    assert zh["android"]["priority"] == "high" and zh["apns"]["headers"]["apns-priority"] == "10"

    state = client.get(f"/api/v1/admin/broadcasts/{created['id']}", headers=headers).get_json()
    assert {d["status"] for d in state["deliveries"]} == {"sent"}


def test_only_admins_send_and_the_notice_is_validated(client, accounts):
    _, citizen_headers = accounts.citizen()
    admin_headers = accounts.headers(accounts.create("admin"))
    assert_problem(client.post("/api/v1/admin/broadcasts", json=NOTICE, headers=citizen_headers), 403)
    assert_problem(client.post("/api/v1/admin/broadcasts", json=NOTICE), 401)
    body = assert_problem(client.post("/api/v1/admin/broadcasts", headers=admin_headers, json={
        "region": "上海", "title": {"zh": "预警"}, "body": {"zh": "x" * 601, "en": "ok"}}), 422)
    assert set(body["errors"]) == {"region", "title.en", "body.zh"}


def test_everyone_reads_broadcasts_newest_first(client, accounts):
    headers = accounts.headers(accounts.create("admin"))
    ids = []
    for region in ("310100", "310200", "310100"):
        ids.append(client.post("/api/v1/admin/broadcasts", json={**NOTICE, "region": region},
                               headers=headers).get_json()["id"])

    everything = client.get("/api/v1/broadcasts").get_json()  # no sign-in needed
    assert [b["id"] for b in everything["items"]] == ids[::-1]
    assert everything["items"][0]["title"] == NOTICE["title"] and "deliveries" not in everything["items"][0]
    page = client.get("/api/v1/broadcasts?region=310100&limit=1").get_json()
    assert [b["id"] for b in page["items"]] == [ids[2]]
    rest = client.get(f"/api/v1/broadcasts?region=310100&limit=1&cursor={page['next_cursor']}").get_json()
    assert [b["id"] for b in rest["items"]] == [ids[0]] and rest["next_cursor"] is None
    assert client.get(f"/api/v1/broadcasts/{ids[1]}").get_json()["region"] == "310200"
    assert_problem(client.get("/api/v1/broadcasts/424242"), 404)


def test_devices_follow_their_region_topic(client, accounts, fcm_app, dispatcher, fake_fcm):
    _, headers = accounts.citizen()
    zh = register(client, headers, "zh-phone", region="310100")
    en = register(client, headers, "en-phone", language="en", region="310100")
    assert (zh["topic"], zh["topic_subscribed"]) == ("region-310100", True)
    assert (en["topic"], en["topic_subscribed"]) == ("region-310100-en", True)
    assert fake_fcm.subscriptions == {"region-310100": {"zh-phone"}, "region-310100-en": {"en-phone"}}

    moved = register(client, headers, "zh-phone", region="310200")  # the user moved to another district
    assert moved["topic"] == "region-310200" and moved["topic_subscribed"]
    assert fake_fcm.subscriptions["region-310100"] == set() and fake_fcm.subscriptions["region-310200"] == {"zh-phone"}
    assert register(client, headers, "zh-phone")["topic"] == "region-310200"  # a refresh without region keeps it

    assert client.delete("/api/v1/devices/en-phone", headers=headers).status_code == 204
    assert fake_fcm.subscriptions["region-310100-en"] == set()


def test_a_failed_subscription_is_retried_by_the_sweep(client, accounts, fcm_app, dispatcher, fake_fcm):
    _, headers = accounts.citizen()
    fake_fcm.program(answers.unavailable(), target="flaky-phone", times=1)
    device = register(client, headers, "flaky-phone", region="310100")
    assert device["topic"] == "region-310100" and device["topic_subscribed"] is False

    assert dispatcher.sync_topics() == 1
    listed = client.get("/api/v1/devices", headers=headers).get_json()["items"][0]
    assert listed["topic_subscribed"] is True and fake_fcm.subscriptions["region-310100"] == {"flaky-phone"}
    assert dispatcher.sync_topics() == 0
