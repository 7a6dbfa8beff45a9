"""The log backend used by ``make run``, and the backend factory."""

import logging

import pytest

from models.settings import load_settings
from notifications.senders import FcmSender, LogSender, Outcome, PushMessage, build_sender


def test_the_log_backend_is_the_default():
    assert isinstance(build_sender(load_settings({})), LogSender)
    assert isinstance(build_sender(load_settings({"NOTIFY_BACKEND": "log"})), LogSender)


def test_the_fcm_backend_is_built_from_settings(fcm_settings):
    sender = build_sender(fcm_settings)
    try:
        assert isinstance(sender, FcmSender)
    finally:
        sender.close()


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="NOTIFY_BACKEND"):
        build_sender(load_settings({"NOTIFY_BACKEND": "carrier-pigeon"}))


def test_log_sender_logs_each_message_and_reports_it_sent(caplog):
    sender = LogSender()
    messages = [PushMessage(token=f"device-{i}", title="申请已受理", body=f"办件 {i}", data={"case_no": str(i)})
                for i in range(3)]

    with caplog.at_level(logging.INFO, logger="notifications.senders"):
        results = sender.send_batch(messages)

    assert [r.outcome for r in results] == [Outcome.SENT] * 3
    assert len({r.message_id for r in results}) == 3
    logged = [record.getMessage() for record in caplog.records]
    assert all(f"device-{i}" in line and f"'case_no': '{i}'" in line for i, line in enumerate(logged))
    # The texts name people's applications: only their size is logged (issue #12, item 12).
    assert not any("办件" in line or "申请已受理" in line for line in logged)
    assert all("title 5 chars, body 4 chars" in line for line in logged)


def test_log_sender_handles_topics(caplog):
    sender = LogSender()

    with caplog.at_level(logging.INFO, logger="notifications.senders"):
        result = sender.send_to_topic("region-310000", "暴雨红色预警", "请减少外出")
        subscribed = sender.subscribe(["a", "b"], "region-310000")

    assert result.outcome is Outcome.SENT
    assert [(r.token, r.ok) for r in subscribed] == [("a", True), ("b", True)]
    assert "topic region-310000" in caplog.text


def test_log_sender_refuses_what_fcm_would_refuse():
    [result] = LogSender().send_batch([PushMessage(token="device-1", title="t", body="办" * 1400)])

    assert result.outcome is Outcome.FAILED
    assert "FCM accepts at most 4096" in result.error
