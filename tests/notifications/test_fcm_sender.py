"""FcmSender through the real firebase-admin SDK against the fake FCM server."""

import socket
import warnings
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from notifications.senders import (
    MAX_PAYLOAD_BYTES,
    MAX_TOPIC_PAYLOAD_BYTES,
    FcmSender,
    Outcome,
    PushMessage,
    TokenKind,
    payload_size,
)
from tests.notifications import fake_fcm as fake


def push(token="device-1", **fields):
    return PushMessage(token=token, title=fields.pop("title", "申请已受理"), body=fields.pop("body", "正在办理"), **fields)


@pytest.mark.parametrize(
    ("answer", "outcome", "exception"),
    [
        (fake.unregistered(), Outcome.UNREGISTERED, "UnregisteredError"),
        (fake.invalid_argument(), Outcome.INVALID_TOKEN, "InvalidArgumentError"),
        (fake.quota_exceeded(), Outcome.RETRY, "QuotaExceededError"),
        (fake.unavailable(), Outcome.RETRY, "UnavailableError"),
        (fake.internal(), Outcome.RETRY, "InternalError"),
        (fake.Answer(502), Outcome.RETRY, "UnknownError"),
        (fake.sender_id_mismatch(), Outcome.FAILED, "SenderIdMismatchError"),
        (fake.third_party_auth_error(), Outcome.FAILED, "ThirdPartyAuthError"),
    ],
)
def test_each_fcm_answer_is_classified(fake_fcm, fcm_sender, answer, outcome, exception):
    fake_fcm.program(answer, target="device-1")

    [result] = fcm_sender.send_batch([push()])

    assert result.outcome is outcome
    assert result.error.startswith(exception + ":")
    assert result.message_id is None


def test_a_success_carries_the_fcm_message_id(fake_fcm, fcm_sender):
    results = fcm_sender.send_batch([push("a"), push("b")])

    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.SENT]
    assert all(r.message_id.startswith(f"projects/{fake_fcm.project_id}/messages/") for r in results)
    assert results[0].message_id != results[1].message_id


def test_one_bad_token_does_not_affect_the_others_in_a_batch(fake_fcm, fcm_sender):
    fake_fcm.program(fake.unregistered(), target="gone")

    results = fcm_sender.send_batch([push("a"), push("gone"), push("b")])

    assert [r.outcome for r in results] == [Outcome.SENT, Outcome.UNREGISTERED, Outcome.SENT]


@pytest.mark.parametrize(
    ("header", "low", "high"),
    [
        ("120", 120, 120),
        ("an HTTP date an hour from now", 3000, 3600),
        (None, None, None),
        ("soon", None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(fake_fcm, fcm_sender, header, low, high):
    if header == "an HTTP date an hour from now":  # made when the test runs, not when it is collected
        header = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    fake_fcm.program(fake.quota_exceeded(retry_after=header))

    [result] = fcm_sender.send_batch([push()])

    assert result.outcome is Outcome.RETRY
    if low is None:
        assert result.retry_after is None
    else:
        assert low <= result.retry_after <= high


def test_retry_after_on_a_503_is_kept_too(fake_fcm, fcm_sender):
    fake_fcm.program(fake.unavailable(retry_after="45"))

    [result] = fcm_sender.send_batch([push()])

    assert (result.outcome, result.retry_after) == (Outcome.RETRY, 45)


def test_a_hung_request_becomes_retry_once_the_client_timeout_passes(fake_fcm, fcm_sender):
    fake_fcm.program(fake.hang(seconds=30), target="slow")

    results = fcm_sender.send_batch([push("slow"), push("fast")])

    assert [r.outcome for r in results] == [Outcome.RETRY, Outcome.SENT]
    assert results[0].error.startswith("DeadlineExceededError:")


def test_an_unreachable_endpoint_is_retry(fcm_settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = FcmSender.from_settings(fcm_settings.replace(FCM_BASE_URL=f"http://127.0.0.1:{port}"))
    try:
        [result] = sender.send_batch([push()])
    finally:
        sender.close()

    assert result.outcome is Outcome.RETRY
    assert result.error.startswith("UnavailableError:")


def test_fcm_failing_for_the_first_requests_then_recovering(fake_fcm, fcm_sender):
    fake_fcm.program(fake.unavailable(), times=3)

    first = fcm_sender.send_batch([push(f"device-{i}") for i in range(5)])
    again = [m for m, r in zip([push(f"device-{i}") for i in range(5)], first, strict=True)
             if r.outcome is Outcome.RETRY]
    second = fcm_sender.send_batch(again)

    assert sorted(r.outcome.value for r in first) == ["retry"] * 3 + ["sent"] * 2
    assert [r.outcome for r in second] == [Outcome.SENT] * 3
    assert sorted(m["token"] for m in fake_fcm.sent_messages()) == [f"device-{i}" for i in range(5)]


def test_batches_over_500_are_split_and_results_keep_their_order(fake_fcm, bulk_sender):
    gone = {0, 499, 500, 1200}
    for index in gone:
        fake_fcm.program(fake.unregistered(), target=f"device-{index}")
    messages = [push(f"device-{i}") for i in range(1201)]

    results = bulk_sender.send_batch(messages)

    assert len(results) == 1201
    assert {i for i, r in enumerate(results) if r.outcome is Outcome.UNREGISTERED} == gone
    assert all(r.outcome is Outcome.SENT for i, r in enumerate(results) if i not in gone)
    assert fake_fcm.request_count == 1201
    assert fake_fcm.max_in_flight <= 500


def test_the_message_has_android_collapse_key_ttl_and_string_data(fake_fcm, fcm_sender):
    fcm_sender.send_batch([push(data={"case_no": "A-1", "status": "accepted"}, collapse_key="case-A-1",
                                ttl_seconds=3600)])

    [message] = fake_fcm.sent_messages()
    assert message["token"] == "device-1"
    assert message["notification"] == {"title": "申请已受理", "body": "正在办理"}
    assert message["data"] == {"case_no": "A-1", "status": "accepted"}
    assert message["android"] == {"collapse_key": "case-A-1", "ttl": "3600s", "priority": "normal"}
    assert "apns" not in message and "webpush" not in message


def test_an_ios_message_carries_apns_collapse_id_and_expiration(fake_fcm, fcm_sender):
    fcm_sender.send_batch([push(platform="ios", collapse_key="case-A-1", ttl_seconds=3600)])

    [message] = fake_fcm.sent_messages()
    headers = message["apns"]["headers"]
    assert headers["apns-collapse-id"] == "case-A-1"
    assert int(headers["apns-expiration"]) > 0
    assert "android" not in message


def test_a_web_message_carries_webpush_ttl(fake_fcm, fcm_sender):
    fcm_sender.send_batch([push(platform="web", ttl_seconds=600)])

    [message] = fake_fcm.sent_messages()
    assert message["webpush"]["headers"]["TTL"] == "600"


def test_an_installation_id_is_sent_as_fid_and_a_token_without_deprecation_warning(fake_fcm, fcm_sender):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fcm_sender.send_batch([push("fid-1", token_kind=TokenKind.FID), push("token-1")])

    targets = sorted((("fid" in m), m.get("fid") or m.get("token")) for m in fake_fcm.sent_messages())
    assert targets == [(False, "token-1"), (True, "fid-1")]
    assert not [w for w in caught if issubclass(w.category, DeprecationWarning)]


def test_a_payload_over_4096_bytes_is_rejected_before_sending(fake_fcm, fcm_sender):
    too_big = push("big", body="办" * 1400)  # 4,200 bytes of UTF-8
    assert payload_size(too_big.title, too_big.body, too_big.data) > MAX_PAYLOAD_BYTES

    big, fine = fcm_sender.send_batch([too_big, push("fine")])

    assert big.outcome is Outcome.FAILED
    assert "FCM accepts at most 4096" in big.error
    assert fine.outcome is Outcome.SENT
    assert [m["token"] for m in fake_fcm.sent_messages()] == ["fine"]


def test_a_topic_payload_over_2048_bytes_is_rejected_before_sending(fake_fcm, fcm_sender):
    result = fcm_sender.send_to_topic("region-310000", "暴雨红色预警", "请减少外出" * 150)

    assert result.outcome is Outcome.FAILED
    assert f"at most {MAX_TOPIC_PAYLOAD_BYTES} for a topic message" in result.error
    assert fake_fcm.request_count == 0


def test_a_message_the_sdk_refuses_fails_alone(fake_fcm, fcm_sender):
    bad_topic, fine = fcm_sender.send_batch([
        PushMessage(token=None, topic="not a topic!", title="t", body="b"), push("fine")])

    assert bad_topic.outcome is Outcome.FAILED
    assert "Malformed topic name" in bad_topic.error
    assert fine.outcome is Outcome.SENT


def test_send_to_topic_reaches_fcm_as_a_topic_message(fake_fcm, fcm_sender):
    result = fcm_sender.send_to_topic("region-310000", "暴雨红色预警", "请减少外出", {"event": "broadcast"},
                                      urgent=True)

    assert result.outcome is Outcome.SENT
    [message] = fake_fcm.sent_messages()
    assert message["topic"] == "region-310000"
    assert message["data"] == {"event": "broadcast"}
    assert message["android"]["priority"] == "high"
    assert message["apns"]["headers"]["apns-priority"] == "10"


def test_subscribe_and_unsubscribe_report_each_token(fake_fcm, fcm_sender):
    fake_fcm.program(fake.unregistered(), target="gone")

    subscribed = fcm_sender.subscribe(["a", "b", "gone"], "region-310000")
    again = fcm_sender.subscribe(["a"], "region-310000")  # FCM answers 409: already subscribed

    assert [(r.token, r.ok, r.error) for r in subscribed] == [("a", True, None), ("b", True, None),
                                                               ("gone", False, "UNREGISTERED")]
    assert [r.ok for r in again] == [True]
    assert fake_fcm.subscriptions == {"region-310000": {"a", "b"}}

    left = fcm_sender.unsubscribe(["a"], "region-310000")

    assert [(r.token, r.ok) for r in left] == [("a", True)]
    assert fake_fcm.subscriptions == {"region-310000": {"b"}}
    methods = [(r.method, r.query) for r in fake_fcm.requests]
    assert ("POST", {"topic_name": "region-310000"}) in methods
    assert ("DELETE", {"allow_missing": "true"}) in methods


def test_subscribing_no_tokens_sends_nothing(fake_fcm, fcm_sender):
    assert fcm_sender.subscribe([], "region-310000") == []
    assert fake_fcm.request_count == 0


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"data": {"case_no": 42}}, TypeError),
        ({"data": {"google.sent_time": "1"}}, ValueError),
        ({"platform": "symbian"}, ValueError),
        ({"ttl_seconds": 29 * 24 * 3600}, ValueError),
        ({"topic": "region-310000"}, ValueError),
    ],
)
def test_a_malformed_push_message_is_refused_when_built(fields, error):
    with pytest.raises(error):
        push(**fields)
