"""The dispatcher against the fake FCM through the real firebase-admin SDK: batches, outcomes, token
cleanup, backoff honouring Retry-After, recovery after an outage and of stuck claims, exactly-once."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.notification import Delivery, Device, Notification, register_device
from notifications.dispatcher import Dispatcher
from notifications.outbox import notify
from notifications.senders import FcmSender
from tests.factories import person, wait_until
from tests.notifications import fake_fcm as answers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def citizen(session):
    user = person(session, "citizen")
    register_device(session, user, token="phone-zh", platform="android", language="zh")
    register_device(session, user, token="tablet-en", platform="ios", language="en")
    session.commit()
    return user


def announce(session, user, count: int = 1) -> list[Notification]:
    notifications = [notify(session, user, "case_accepted", case_no=f"YW20261201{i:06d}", status="accepted",
                            collapse_key=f"case-YW20261201{i:06d}", service={"zh": "个体工商户登记", "en": "Sole trader"})
                     for i in range(count)]
    session.commit()
    return notifications


def fresh(session) -> None:
    """End the test session's read transaction (SQLite readers keep their snapshot) and forget loaded rows."""
    session.commit()
    session.expire_all()


def statuses(session) -> collections.Counter:
    fresh(session)
    return collections.Counter(session.scalars(select(Delivery.status)))


def accepted_pairs(fake) -> collections.Counter:
    """(registration token, notification id) of every message FCM accepted."""
    return collections.Counter((m.get("token") or m.get("topic"), m["data"].get("notification_id"))
                               for m in fake.sent_messages())


def test_due_deliveries_are_sent_once_with_their_texts(session, citizen, dispatcher, fake_fcm):
    (notification,) = announce(session, citizen)
    assert dispatcher.run_once() == 2
    assert dispatcher.run_once() == 0

    messages = {m["token"]: m for m in fake_fcm.sent_messages()}
    assert set(messages) == {"phone-zh", "tablet-en"}
    zh, en = messages["phone-zh"], messages["tablet-en"]
    assert zh["notification"]["title"] == "申请已受理" and "个体工商户登记" in zh["notification"]["body"]
    assert en["notification"]["title"] == "Application accepted" and "Sole trader" in en["notification"]["body"]
    assert zh["data"] == {"event": "case_accepted", "case_no": "YW20261201000000", "status": "accepted",
                          "notification_id": str(notification.id)}
    assert zh["android"]["collapse_key"] == "case-YW20261201000000"
    assert en["apns"]["headers"]["apns-collapse-id"] == "case-YW20261201000000"
    fresh(session)
    deliveries = session.scalars(select(Delivery)).all()
    assert {d.status for d in deliveries} == {"sent"}
    assert all(d.message_id.startswith("projects/yiwang-test/messages/") and d.sent_at for d in deliveries)
    assert {d.attempts for d in deliveries} == {1}


def test_unregistered_and_invalid_tokens_deactivate_the_device_and_stop_its_pushes(
        session, citizen, dispatcher, fake_fcm, clock):
    fake_fcm.program(answers.unavailable(), target="phone-zh", times=1)
    announce(session, citizen)
    dispatcher.run_once()  # phone-zh: 503, to be retried
    fake_fcm.program(answers.unregistered(), target="phone-zh")
    fake_fcm.program(answers.invalid_argument(), target="tablet-en")
    announce(session, citizen)
    dispatcher.run_once()

    fresh(session)
    devices = {d.token: d for d in session.scalars(select(Device))}
    assert not devices["phone-zh"].active and devices["phone-zh"].deactivated_reason.startswith("unregistered")
    assert not devices["tablet-en"].active and devices["tablet-en"].deactivated_reason.startswith("invalid_token")
    assert statuses(session) == {"failed": 3, "sent": 1}  # the pending retry for phone-zh was cancelled too
    requests_so_far = fake_fcm.request_count
    clock.advance(3600)
    assert dispatcher.run_once() == 0
    announce(session, citizen)  # no device is active any more: inbox only
    assert dispatcher.run_once() == 0
    assert fake_fcm.request_count == requests_so_far

    register_device(session, citizen, token="phone-zh", platform="android", language="zh")  # the app registers again
    session.commit()
    assert session.get(Device, devices["phone-zh"].id).active


def test_429_with_retry_after_is_honoured(session, citizen, dispatcher, fake_fcm, clock):
    fake_fcm.program(answers.quota_exceeded("120"), times=2)
    announce(session, citizen)
    start = clock.now
    assert dispatcher.run_once() == 2
    fresh(session)
    waits = [(d.next_attempt_at - start).total_seconds() for d in session.scalars(select(Delivery))]
    assert all(120 <= wait <= 132 for wait in waits), waits
    assert statuses(session) == {"retrying": 2}

    clock.advance(119)
    assert dispatcher.run_once() == 0  # not before FCM said
    clock.advance(14)
    assert dispatcher.run_once() == 2
    assert statuses(session) == {"sent": 2}
    assert fake_fcm.request_count == 4


def test_fcm_down_for_a_while_every_notification_arrives_once_after_it_recovers(
        session, citizen, dispatcher, fake_fcm, clock):
    announce(session, citizen, 15)  # 30 deliveries
    fake_fcm.program(answers.unavailable(), times=30)  # first every request fails with 503 ...
    fake_fcm.program(answers.hang(3.0), times=30)  # ... then FCM stops answering (client timeout 1 s)
    rounds = 0
    while statuses(session) != {"sent": 30}:
        rounds += 1
        assert rounds <= 10, statuses(session)
        dispatcher.run_once()
        clock.advance(60)

    assert sorted(accepted_pairs(fake_fcm).values()) == [1] * 30  # each (device, notification) exactly once
    fresh(session)
    assert {d.attempts for d in session.scalars(select(Delivery))} == {3}
    assert fake_fcm.request_count == 90


def test_gives_up_after_the_configured_attempts(session, citizen, dispatcher, fake_fcm, clock):
    fake_fcm.program(answers.internal(), target="phone-zh")
    announce(session, citizen)
    for _ in range(6):
        dispatcher.run_once()
        clock.advance(3600)
    fresh(session)
    failed = session.scalar(select(Delivery).join(Device).where(Device.token == "phone-zh"))
    assert failed.status == "failed" and failed.attempts == 4 and "InternalError" in failed.last_error
    assert sum(1 for r in fake_fcm.requests if r.json["message"].get("token") == "phone-zh") == 4
    assert session.scalar(select(Device.active).where(Device.token == "phone-zh"))  # a server error is not the device's


def test_a_delivery_stuck_in_sending_after_a_worker_crash_is_sent_again(app, session, citizen, dispatcher, fake_fcm,
                                                                        fcm_env, clock):
    announce(session, citizen)
    fake_fcm.program(answers.hang(30.0), times=2)
    worker = subprocess.Popen([sys.executable, "-c", _crashing_worker(app, fcm_env)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: fake_fcm.request_count == 2, message="the worker's requests")
        assert statuses(session) == {"sending": 2}
    finally:
        worker.send_signal(signal.SIGKILL)  # the worker dies with both pushes in flight
        worker.wait()

    assert dispatcher.recover_stuck() == 0  # its lease has not expired yet
    clock.advance(301)
    assert dispatcher.recover_stuck() == 2
    assert dispatcher.run_once() == 2
    assert statuses(session) == {"sent": 2}
    fresh(session)
    assert {d.attempts for d in session.scalars(select(Delivery))} == {2}


def _crashing_worker(app, fcm_env) -> str:
    settings = {**fcm_env, "FCM_HTTP_TIMEOUT": 60}
    return textwrap.dedent(f"""
        from models.db import make_engine, make_session_factory, writer
        from notifications.dispatcher import Dispatcher
        from models.settings import load_settings
        from notifications.senders import FcmSender
        sessions = make_session_factory(writer(make_engine({app.config["DATABASE_URL"]!r})))
        Dispatcher(sessions, FcmSender.from_settings(load_settings({settings!r}))).run_once()
    """)


def test_a_late_worker_cannot_overwrite_the_attempt_that_replaced_it(app, session, citizen, fake_fcm, fcm_settings,
                                                                     clock):
    announce(session, citizen)
    slow_sender = FcmSender.from_settings(fcm_settings.replace(FCM_HTTP_TIMEOUT=6.0))
    fast_sender = FcmSender.from_settings(fcm_settings)
    sessions = app.extensions["yiwang.writer_sessions"]
    late = Dispatcher(sessions, slow_sender, lease_seconds=60)
    rescuer = Dispatcher(sessions, fast_sender, lease_seconds=60, clock=clock)
    fake_fcm.program(answers.hang(8.0), times=2)
    try:
        thread = threading.Thread(target=late.run_once)
        thread.start()
        wait_until(lambda: fake_fcm.request_count == 2, message="the late worker's requests")
        clock.advance(120)  # for the rescuer, the late worker's lease has run out
        assert rescuer.recover_stuck() == 2
        assert rescuer.run_once() == 2
        thread.join(30)
    finally:
        slow_sender.close()
        fast_sender.close()
    assert not thread.is_alive()
    assert statuses(session) == {"sent": 2}  # the late worker's timeouts did not turn them back into retries
    fresh(session)
    assert all(d.message_id and d.attempts == 2 and d.last_error is None for d in session.scalars(select(Delivery)))


def test_two_dispatchers_at_once_send_every_delivery_exactly_once(app, session, fake_fcm, fcm_settings):
    users = [person(session, "citizen") for _ in range(10)]
    for i, user in enumerate(users):
        for j in range(2):
            register_device(session, user, token=f"device-{i}-{j}", platform="android", language="zh")
    session.commit()
    for user in users:
        announce(session, user, 10)  # 200 deliveries
    fake_fcm.latency = 0.01
    senders = [FcmSender.from_settings(fcm_settings) for _ in range(2)]
    dispatchers = [Dispatcher(app.extensions["yiwang.writer_sessions"], s, batch_size=20) for s in senders]
    claimed = [0, 0]

    def drain(index):
        claimed[index] = dispatchers[index].drain()

    try:
        threads = [threading.Thread(target=drain, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        for sender in senders:
            sender.close()
    assert sum(claimed) == 200 and min(claimed) > 0, claimed
    assert statuses(session) == {"sent": 200}
    pairs = accepted_pairs(fake_fcm)
    assert len(pairs) == 200 and set(pairs.values()) == {1}
    assert session.scalar(select(func.count(Notification.id))) == 100


def test_a_push_is_not_sent_after_its_ttl_and_a_late_one_keeps_only_the_rest(session, citizen, dispatcher, fake_fcm,
                                                                              clock):
    announce(session, citizen)  # case steps live 7 days
    fake_fcm.program(answers.unavailable(), target="tablet-en")
    clock.advance(24 * 3600)
    dispatcher.run_once()
    (late,) = fake_fcm.sent_messages()
    assert late["token"] == "phone-zh"
    assert 6 * 86400 - 300 <= float(late["android"]["ttl"].rstrip("s")) <= 6 * 86400  # a day of its week is gone

    clock.advance(7 * 24 * 3600)  # tablet-en's retry falls due only after the push expired
    dispatcher.run_once()
    fresh(session)
    expired = session.scalar(select(Delivery).join(Device).where(Device.token == "tablet-en"))
    assert expired.status == "failed" and expired.last_error == "expired before it could be sent"
    assert len(fake_fcm.requests) == 2  # tablet-en's failed try and phone-zh's push; nothing after expiry
