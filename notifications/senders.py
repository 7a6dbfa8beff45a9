"""Push senders (推送): one small interface, an FCM implementation and a log-only one, chosen by config.

A sender sends and classifies; it never sleeps or retries. ``SendResult.outcome`` tells the delivery
layer what to do with each message: mark it sent, deactivate the device, retry later (honouring
``retry_after``) or give up. ``NOTIFY_BACKEND`` picks the backend: ``log`` (default) or ``fcm``.
"""

from __future__ import annotations

import enum
import itertools
import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import firebase_admin
from firebase_admin import exceptions, messaging

from models.settings import Settings
from notifications import fcm_adapter

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 4096
MAX_TOPIC_PAYLOAD_BYTES = 2048
MAX_TTL_SECONDS = 28 * 24 * 3600
PLATFORMS = ("android", "ios", "web")
_RESERVED_DATA_KEY = re.compile(r"^(from|notification|message_type|google.*|gcm.*)$")


class TokenKind(enum.StrEnum):
    """What a device's registration id is: an FCM registration token, or a Firebase installation id."""

    FCM_TOKEN = "fcm_token"
    FID = "fid"


class Outcome(enum.Enum):
    SENT = "sent"  # FCM accepted the message (not proof of delivery)
    UNREGISTERED = "unregistered"  # the app instance is gone: deactivate the device
    INVALID_TOKEN = "invalid_token"  # INVALID_ARGUMENT on a payload we validated: deactivate the device
    RETRY = "retry"  # 429, 5xx, timeout, connection error: try again later
    FAILED = "failed"  # permanent: configuration or auth error, or a message FCM can never accept


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    message_id: str | None = None
    retry_after: float | None = None  # seconds, from Retry-After when FCM sent one
    error: str | None = None


@dataclass(frozen=True)
class TopicResult:
    token: str
    ok: bool
    error: str | None = None  # FCM's error code, e.g. UNREGISTERED or INVALID_ARGUMENT


@dataclass(frozen=True)
class PushMessage:
    """One push to one device (``token``) or, for broadcasts, to a topic (``topic`` instead of a token)."""

    token: str | None
    title: str
    body: str
    data: Mapping[str, str] = field(default_factory=dict)
    collapse_key: str | None = None
    ttl_seconds: int | None = None
    platform: str = "android"
    topic: str | None = None
    token_kind: TokenKind = TokenKind.FCM_TOKEN
    urgent: bool = False  # emergency broadcasts: high priority, may wake the device

    def __post_init__(self) -> None:
        if (self.token is None) == (self.topic is None):
            raise ValueError("a PushMessage needs exactly one of token or topic")
        if self.platform not in PLATFORMS:
            raise ValueError(f"platform must be one of {PLATFORMS}, not {self.platform!r}")
        for key, value in self.data.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"FCM data keys and values must be strings: {key!r}: {value!r}")
            if _RESERVED_DATA_KEY.match(key):
                raise ValueError(f"{key!r} is a data key reserved by FCM")
        if self.ttl_seconds is not None and not 0 <= self.ttl_seconds <= MAX_TTL_SECONDS:
            raise ValueError(f"ttl_seconds must be within 0..{MAX_TTL_SECONDS}, not {self.ttl_seconds}")


class PayloadTooLargeError(ValueError):
    pass


def payload_size(title: str, body: str, data: Mapping[str, str]) -> int:
    """Bytes FCM counts against its limit: the notification and data parts, UTF-8 encoded."""
    part = {"notification": {"title": title, "body": body}, "data": dict(data)}
    return len(json.dumps(part, ensure_ascii=False, separators=(",", ":")).encode())


def payload_limit(message: PushMessage) -> int:
    return MAX_TOPIC_PAYLOAD_BYTES if message.topic is not None else MAX_PAYLOAD_BYTES


def check_payload(message: PushMessage) -> None:
    """Raise ``PayloadTooLargeError`` if FCM would refuse the message for its size."""
    size, limit = payload_size(message.title, message.body, message.data), payload_limit(message)
    if size > limit:
        target = "topic" if message.topic is not None else "device"
        raise PayloadTooLargeError(f"payload is {size} bytes; FCM accepts at most {limit} for a {target} message")


class Sender(Protocol):
    def send_batch(self, messages: Sequence[PushMessage]) -> list[SendResult]: ...

    def send_to_topic(self, topic: str, title: str, body: str, data: Mapping[str, str] | None = None, *,
                      urgent: bool = False) -> SendResult: ...

    def subscribe(self, tokens: Sequence[str], topic: str) -> list[TopicResult]: ...

    def unsubscribe(self, tokens: Sequence[str], topic: str) -> list[TopicResult]: ...

    def close(self) -> None: ...


def _topic_message(topic: str, title: str, body: str, data: Mapping[str, str] | None, urgent: bool) -> PushMessage:
    return PushMessage(token=None, topic=topic, title=title, body=body, data=dict(data or {}), urgent=urgent)


class LogSender:
    """Logs every message and reports it sent: for ``make run`` and development."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def send_batch(self, messages: Sequence[PushMessage]) -> list[SendResult]:
        results = []
        for message in messages:
            try:
                check_payload(message)  # refuse what FCM would refuse, so `make run` shows it too
            except PayloadTooLargeError as error:
                results.append(SendResult(Outcome.FAILED, error=f"{type(error).__name__}: {error}"))
                continue
            message_id = f"log/{next(self._ids)}"
            # Texts name people's applications: the log shows their size, never their words.
            log.info("push %s to %s %s: title %d chars, body %d chars | data=%s", message_id, message.platform,
                     _shown(message.token) if message.token else f"topic {message.topic}", len(message.title),
                     len(message.body), dict(message.data))
            results.append(SendResult(Outcome.SENT, message_id=message_id))
        return results

    def send_to_topic(self, topic: str, title: str, body: str, data: Mapping[str, str] | None = None, *,
                      urgent: bool = False) -> SendResult:
        return self.send_batch([_topic_message(topic, title, body, data, urgent)])[0]

    def subscribe(self, tokens: Sequence[str], topic: str) -> list[TopicResult]:
        log.info("subscribe %d device(s) to topic %s", len(tokens), topic)
        return [TopicResult(token, ok=True) for token in tokens]

    def unsubscribe(self, tokens: Sequence[str], topic: str) -> list[TopicResult]:
        log.info("unsubscribe %d device(s) from topic %s", len(tokens), topic)
        return [TopicResult(token, ok=True) for token in tokens]

    def close(self) -> None:
        pass


def _shown(token: str) -> str:
    """Enough of a registration token to tell devices apart in a log, not enough to push to one."""
    return token if len(token) <= 16 else f"{token[:12]}…"


class FcmSender:
    """Sends through firebase-admin's ``send_each`` (one HTTP/1.1 request per message, ≤500 in parallel)."""

    def __init__(self, app: firebase_admin.App) -> None:
        self._app = app

    @classmethod
    def from_settings(cls, settings: Settings) -> FcmSender:
        return cls(fcm_adapter.initialize_fcm_app(settings))

    def send_batch(self, messages: Sequence[PushMessage]) -> list[SendResult]:
        results: list[SendResult | None] = [None] * len(messages)
        ready: list[tuple[int, messaging.Message]] = []
        for index, message in enumerate(messages):
            try:
                check_payload(message)
                ready.append((index, _fcm_message(message)))
            except ValueError as error:  # the SDK's own validation raises ValueError too
                results[index] = SendResult(Outcome.FAILED, error=f"{type(error).__name__}: {error}")
        for start in range(0, len(ready), fcm_adapter.SEND_EACH_LIMIT):
            chunk = ready[start:start + fcm_adapter.SEND_EACH_LIMIT]
            for (index, _), result in zip(chunk, self._send_each([m for _, m in chunk]), strict=True):
                results[index] = result
        return results

    def _send_each(self, chunk: list[messaging.Message]) -> list[SendResult]:
        try:
            batch = messaging.send_each(chunk, app=self._app)
        except exceptions.FirebaseError as error:  # the SDK could not run the batch at all
            return [SendResult(Outcome.RETRY, error=f"{type(error).__name__}: {error}")] * len(chunk)
        topics = [m.topic is not None for m in chunk]
        return [_classify(response, to_topic) for response, to_topic in zip(batch.responses, topics, strict=True)]

    def send_to_topic(self, topic: str, title: str, body: str, data: Mapping[str, str] | None = None, *,
                      urgent: bool = False) -> SendResult:
        return self.send_batch([_topic_message(topic, title, body, data, urgent)])[0]

    def subscribe(self, tokens: Sequence[str], topic: str) -> list[TopicResult]:
        return self._manage_topic(messaging.subscribe_to_topic, tokens, topic)

    def unsubscribe(self, tokens: Sequence[str], topic: str) -> list[TopicResult]:
        return self._manage_topic(messaging.unsubscribe_from_topic, tokens, topic)

    def _manage_topic(self, operation: Any, tokens: Sequence[str], topic: str) -> list[TopicResult]:
        if not tokens:
            return []
        response = operation(list(tokens), topic, app=self._app)
        errors = {error.index: error.reason for error in response.errors}
        return [TopicResult(token, ok=i not in errors, error=errors.get(i)) for i, token in enumerate(tokens)]

    def close(self) -> None:
        firebase_admin.delete_app(self._app)


def _fcm_message(message: PushMessage) -> messaging.Message:
    ttl = timedelta(seconds=message.ttl_seconds) if message.ttl_seconds is not None else None
    android = apns = webpush = None
    if message.platform == "android" or message.topic is not None:
        android = messaging.AndroidConfig(collapse_key=message.collapse_key, ttl=ttl,
                                          priority="high" if message.urgent else "normal")
    if message.platform == "ios" or message.topic is not None:
        headers = {"apns-priority": "10" if message.urgent else "5"}
        if message.collapse_key:
            headers["apns-collapse-id"] = message.collapse_key
        if message.ttl_seconds is not None:
            headers["apns-expiration"] = str(int(time.time()) + message.ttl_seconds)
        apns = messaging.APNSConfig(headers=headers)
    if message.platform == "web" and message.topic is None:
        headers = {"Urgency": "high" if message.urgent else "normal"}
        if message.ttl_seconds is not None:
            headers["TTL"] = str(message.ttl_seconds)
        webpush = messaging.WebpushConfig(headers=headers)
    fcm = messaging.Message(
        notification=messaging.Notification(title=message.title, body=message.body),
        data=dict(message.data), android=android, apns=apns, webpush=webpush,
        topic=message.topic, fid=message.token if message.token_kind is TokenKind.FID else None,
    )
    if message.token is not None and message.token_kind is TokenKind.FCM_TOKEN:
        # Message(token=...) warns since 7.5 (fid is preferred), yet apps registered through
        # FirebaseMessaging.getToken() hold FCM tokens, which the API still accepts as "token".
        fcm.token = message.token
    str(fcm)  # runs the SDK's validation now, so one bad message cannot fail the whole send_each
    return fcm


def _classify(response: messaging.SendResponse, to_topic: bool) -> SendResult:
    if response.success:
        return SendResult(Outcome.SENT, message_id=response.message_id)
    error = response.exception
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, messaging.UnregisteredError):
        return SendResult(Outcome.UNREGISTERED, error=text)
    if isinstance(error, exceptions.InvalidArgumentError):
        # Our payloads are validated before sending, so FCM is rejecting the token itself.
        return SendResult(Outcome.FAILED if to_topic else Outcome.INVALID_TOKEN, error=text)
    if _is_transient(error):
        return SendResult(Outcome.RETRY, retry_after=_retry_after(error), error=text)
    return SendResult(Outcome.FAILED, error=text)


_TRANSIENT = (exceptions.ResourceExhaustedError, exceptions.UnavailableError, exceptions.InternalError,
              exceptions.DeadlineExceededError, exceptions.AbortedError, exceptions.CancelledError)


def _is_transient(error: exceptions.FirebaseError) -> bool:
    if isinstance(error, _TRANSIENT):
        return True
    # An unmapped status (502, 504...) or an unexpected transport error: worth another try later.
    response = error.http_response
    return isinstance(error, exceptions.UnknownError) and (response is None or response.status_code >= 500)


def _retry_after(error: exceptions.FirebaseError) -> float | None:
    """Retry-After in seconds (delta-seconds or HTTP-date form), or None when FCM sent none."""
    value = error.http_response.headers.get("Retry-After") if error.http_response is not None else None
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def build_sender(settings: Settings) -> Sender:
    """The sender ``NOTIFY_BACKEND`` names: ``log`` (default) or ``fcm``. Build it once per process."""
    backend = settings.NOTIFY_BACKEND
    if backend == "log":
        return LogSender()
    if backend == "fcm":
        return FcmSender.from_settings(settings)
    raise ValueError(f"NOTIFY_BACKEND must be 'log' or 'fcm', not {backend!r}")
