"""A fake FCM HTTP v1 server for tests and benchmarks: real HTTP on 127.0.0.1.

It speaks the part of the FCM v1 API that firebase-admin 7.7 uses: ``messages:send`` and the per-token
topic subscription endpoints, plus an OAuth ``/token`` endpoint for service-account key files. Every
request is recorded; answers can be programmed per registration token (or topic) or globally:
UNREGISTERED, INVALID_ARGUMENT, 429 with Retry-After, 503, a hang, and "the next N requests only".
A fixed latency models FCM's round trip for the benchmark.

The server is a small asyncio HTTP/1.1 server with keep-alive running in its own thread: firebase-admin's
``send_each`` opens up to 500 parallel connections. On the 2-core test machine it answered about 3,100
requests/s to 32 keep-alive clients, where a ``ThreadingHTTPServer`` answered about 540 and reset
connections beyond its listen backlog of 5.
Run it on its own (``python tests/notifications/fake_fcm.py --latency 0.02``) to keep its CPU out of a
measured process; it prints ``PORT <n>`` once listening.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import sys
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
MAX_PAYLOAD_BYTES = 4096
MAX_TOPIC_PAYLOAD_BYTES = 2048

_SEND_PATH = re.compile(r"^/v1/projects/(?P<project>[^/]+)/messages:send$")
_SUBSCRIPTION_PATH = re.compile(
    r"^/v1/projects/(?P<project>[^/]+)/registrations/(?P<token>[^/]+)/topicSubscriptions(?:/(?P<topic>[^/]+))?$"
)
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            409: "Conflict", 411: "Length Required", 429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable"}


@dataclass(frozen=True)
class Answer:
    """What the fake answers instead of success; build one with the helpers below."""

    status: int
    body: dict[str, Any] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0


def _error(status: int, rpc_status: str, message: str, fcm_code: str | None = None,
           headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    error: dict[str, Any] = {"code": status, "status": rpc_status, "message": message}
    if fcm_code:
        error["details"] = [{"@type": FCM_ERROR_TYPE, "errorCode": fcm_code}]
    return Answer(status, {"error": error}, headers)


def unregistered() -> Answer:
    return _error(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")


def invalid_argument(message: str = "The registration token is not a valid FCM registration token") -> Answer:
    return _error(400, "INVALID_ARGUMENT", message, "INVALID_ARGUMENT")


def quota_exceeded(retry_after: str | None = "30") -> Answer:
    headers = (("Retry-After", retry_after),) if retry_after is not None else ()
    return _error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", "QUOTA_EXCEEDED", headers)


def unavailable(retry_after: str | None = None) -> Answer:
    headers = (("Retry-After", retry_after),) if retry_after is not None else ()
    return _error(503, "UNAVAILABLE", "The service is currently unavailable.", "UNAVAILABLE", headers)


def internal() -> Answer:
    return _error(500, "INTERNAL", "Internal error encountered.", "INTERNAL")


def sender_id_mismatch() -> Answer:
    return _error(403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH")


def third_party_auth_error() -> Answer:
    return _error(401, "UNAUTHENTICATED", "APNs certificate rejected", "THIRD_PARTY_AUTH_ERROR")


def hang(seconds: float = 30.0) -> Answer:
    """Answer 503 only after ``seconds``: longer than the client's timeout, so the client gives up first."""
    return Answer(503, {"error": {"code": 503, "status": "UNAVAILABLE", "message": "late"}}, delay=seconds)


@dataclass
class _Rule:
    answer: Answer
    remaining: int | None  # None: for every matching request


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    json: Any
    status: int  # what the fake answered

    @property
    def message(self) -> dict[str, Any]:
        return self.json["message"]


@dataclass
class FakeFcmServer:
    """Start with ``start()`` (or as a context manager); ``url`` is then ``http://127.0.0.1:<port>``."""

    project_id: str = "yiwang-test"
    access_token: str = "fake-access-token"
    latency: float = 0.0
    record: bool = True
    requests: list[RecordedRequest] = field(default_factory=list)
    subscriptions: dict[str, set[str]] = field(default_factory=dict)
    port: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: dict[str | None, list[_Rule]] = {}
        self._ids = itertools.count(1)
        self._count = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task] = set()
        self._generation = 0  # counters only count connections opened since the last reset()
        self.connections_opened = 0
        self.connections_closed_by_client = 0
        self.in_flight = 0
        self.max_in_flight = 0

    # -- programming -------------------------------------------------------------------------------
    def program(self, answer: Answer, *, target: str | None = None, times: int | None = None) -> None:
        """Answer ``answer`` to requests for ``target`` (a token, fid or topic; None: every request).

        ``times`` limits the rule to the next N matching requests ("fail the first N, then recover").
        Rules for a target win over global rules; among equals the oldest still active rule wins.
        """
        with self._lock:
            self._rules.setdefault(target, []).append(_Rule(answer, times))

    def reset(self) -> None:
        """Forget programmed answers, latency, recorded requests, subscriptions and counters."""
        with self._lock:
            self._rules.clear()
            self.requests.clear()
            self.subscriptions.clear()
            self._count = 0
            self.connections_opened = 0
            self.connections_closed_by_client = 0
            self.max_in_flight = 0
            self._generation += 1
            self.latency = 0.0

    @property
    def request_count(self) -> int:
        with self._lock:
            return self._count

    def sent_messages(self) -> list[dict[str, Any]]:
        """The ``message`` objects of every accepted ``messages:send`` request, in arrival order."""
        with self._lock:
            return [r.message for r in self.requests if r.path.endswith("/messages:send") and r.status == 200]

    # -- lifecycle ---------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeFcmServer:
        started = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, backlog=1024)
            self.port = self._server.sockets[0].getsockname()[1]
            started.set()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-fcm", daemon=True)
        self._thread.start()
        started.wait()
        return self

    def stop(self) -> None:
        if self._loop is None:
            return

        async def shutdown() -> None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
        self._loop = None

    def __enter__(self) -> FakeFcmServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- HTTP --------------------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        with self._lock:
            self.connections_opened += 1
            generation = self._generation
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    with self._lock:
                        self.connections_closed_by_client += generation == self._generation
                    return
                method, target, headers = _parse_head(head)
                length = headers.get("content-length")
                if length is None and headers.get("transfer-encoding"):
                    writer.write(_response(411, {"error": {"code": 411, "message": "chunked unsupported"}}))
                    return
                body = await reader.readexactly(int(length or 0))
                answer = self._answer(method, target, headers, body)
                delay = max(answer.delay, self.latency)
                self._track(+1)
                try:
                    if delay:
                        await asyncio.sleep(delay)
                    writer.write(_response(answer.status, answer.body, answer.headers))
                    await writer.drain()
                finally:
                    self._track(-1)
                if headers.get("connection", "").lower() == "close":
                    return
        except (asyncio.CancelledError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    def _track(self, change: int) -> None:
        with self._lock:
            self.in_flight += change
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _answer(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Answer:
        parts = urlsplit(target)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        answer, subject = self._route(method, path, query, headers, payload)
        with self._lock:
            self._count += 1
            if answer is None:
                answer = self._programmed(subject)
            if answer is None:
                answer = self._succeed(method, path, query, subject)
            if self.record:
                self.requests.append(RecordedRequest(method, path, query, headers, payload, answer.status))
        return answer

    def _route(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
               payload: Any) -> tuple[Answer | None, str | None]:
        """Returns (an answer if the request is malformed or unauthorised, the token/topic it concerns)."""
        if method == "POST" and path == "/token":  # OAuth 2.0 token endpoint for service-account keys
            return Answer(200, {"access_token": self.access_token, "expires_in": 3600, "token_type": "Bearer"}), None
        if headers.get("authorization") != f"Bearer {self.access_token}":
            return _error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."), None
        send, subscription = _SEND_PATH.match(path), _SUBSCRIPTION_PATH.match(path)
        match = send or subscription
        if match is None or match["project"] != self.project_id:
            return _error(404, "NOT_FOUND", f"No such resource: {method} {path}"), None
        if send:
            if method != "POST":
                return _error(405, "INVALID_ARGUMENT", "method not allowed"), None
            problem, subject = _validate_send(payload)
            return (invalid_argument(problem) if problem else None), subject
        token = unquote(match["token"])
        if method == "POST" and match["topic"] is None and query.get("topic_name"):
            return None, token
        if method == "DELETE" and match["topic"] is not None:
            return None, token
        return invalid_argument(f"bad topic subscription request: {method} {path}"), token

    def _programmed(self, subject: str | None) -> Answer | None:
        for key in (subject, None) if subject is not None else (None,):
            for rule in self._rules.get(key, []):
                if rule.remaining is None:
                    return rule.answer
                if rule.remaining > 0:
                    rule.remaining -= 1
                    return rule.answer
        return None

    def _succeed(self, method: str, path: str, query: dict[str, str], token: str | None) -> Answer:
        if path.endswith("/messages:send"):
            return Answer(200, {"name": f"projects/{self.project_id}/messages/{next(self._ids)}"})
        if method == "POST":
            topic = query["topic_name"]
            members = self.subscriptions.setdefault(topic, set())
            if token in members:
                return _error(409, "ALREADY_EXISTS", "Subscription already exists.")
            members.add(token)
        else:
            self.subscriptions.get(unquote(path.rsplit("/", 1)[1]), set()).discard(token)
        return Answer(200, {})


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return method, target, headers


def _response(status: int, body: dict[str, Any] | None, headers: tuple[tuple[str, str], ...] = ()) -> bytes:
    content = json.dumps(body if body is not None else {}).encode()
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}", "Content-Type: application/json",
             f"Content-Length: {len(content)}", *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + content


def _validate_send(payload: Any) -> tuple[str | None, str | None]:
    """FCM's checks on a send request: (problem or None, the token/fid/topic addressed)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("message"), dict):
        return "body must be {\"message\": {...}}", None
    message = payload["message"]
    targets = [k for k in ("token", "fid", "topic", "condition") if k in message]
    if len(targets) != 1:
        return "exactly one of token, fid, topic or condition is required", None
    subject = message[targets[0]]
    if not isinstance(subject, str) or not subject:
        return f"{targets[0]} must be a non-empty string", None
    data = message.get("data", {})
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return "data values must be strings", subject
    notification = message.get("notification", {})
    if not all(isinstance(notification.get(k, ""), str) for k in ("title", "body")):
        return "notification title and body must be strings", subject
    ttl = message.get("android", {}).get("ttl")
    if ttl is not None and not re.fullmatch(r"\d+(\.\d+)?s", ttl):
        return f"invalid android.ttl {ttl!r}", subject
    apns_headers = message.get("apns", {}).get("headers", {})
    if not all(isinstance(v, str) for v in apns_headers.values()):
        return "apns headers must be strings", subject
    size = len(json.dumps({"notification": notification, "data": data}, ensure_ascii=False,
                          separators=(",", ":")).encode())
    limit = MAX_TOPIC_PAYLOAD_BYTES if targets[0] == "topic" else MAX_PAYLOAD_BYTES
    if size > limit:
        return f"Message is too big: {size} bytes > {limit}", subject
    return None, subject


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--project", default="yiwang-test")
    parser.add_argument("--access-token", default="fake-access-token")
    args = parser.parse_args()
    server = FakeFcmServer(project_id=args.project, access_token=args.access_token, latency=args.latency,
                           record=False, port=args.port).start()
    print(f"PORT {server.port}", flush=True)
    try:
        sys.stdin.read()  # runs until the parent closes our stdin
    finally:
        server.stop()


if __name__ == "__main__":
    main()
