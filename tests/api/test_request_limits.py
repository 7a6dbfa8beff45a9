"""Request bodies are limited by the bytes actually read and by their nesting depth (issue #12, item 4)."""

from __future__ import annotations

import io
import json

from tests.helpers import assert_problem

CHAT = "/api/v1/chat"


def _chunked(client, path, payload: bytes, headers=None):
    """A body sent without Content-Length, as a chunked upload arrives through gunicorn."""
    return client.post(path, input_stream=io.BytesIO(payload), content_type="application/json",
                       headers=headers or {}, environ_overrides={"wsgi.input_terminated": True})


def test_a_chunked_body_over_the_limit_is_refused_after_reading_the_limit(app, client):
    payload = json.dumps({"message": "办" * (5 * 1024 * 1024 // 3)}).encode()
    assert len(payload) > 5 * 1024 * 1024
    stream = io.BytesIO(payload)
    response = client.post(CHAT, input_stream=stream, content_type="application/json",
                           environ_overrides={"wsgi.input_terminated": True})
    assert_problem(response, 413, "payload-too-large")
    assert stream.tell() <= app.config["MAX_JSON_KB"] * 1024 + 1  # the rest was never read, let alone parsed


def test_a_chunked_body_within_the_limit_is_read(client):
    body = assert_problem(_chunked(client, CHAT, json.dumps({"message": ""}).encode()), 422, "validation-error")
    assert "message" in body["errors"]


def test_a_declared_length_over_the_limit_is_refused_before_reading(client):
    assert_problem(client.post(CHAT, data="x" * (300 * 1024), content_type="application/json"), 413)


def test_deeply_nested_json_is_a_400_not_a_recursion_error(client, session):
    for payload in ("[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 50 + "1" + "}" * 50):
        body = assert_problem(client.post(CHAT, data=payload, content_type="application/json"), 400)
        assert body["type"].endswith(("json-too-deep", "malformed-json"))
    body = assert_problem(client.post(CHAT, data='{"message": ' + "[" * 40 + "]" * 40 + "}",
                                      content_type="application/json"), 400, "json-too-deep")
    assert "32" in body["detail"]


def test_a_body_that_is_not_json_is_a_400(client, session):
    assert_problem(client.post(CHAT, data=b"\xff\xfe{", content_type="application/json"), 400, "malformed-json")
    assert_problem(client.post(CHAT, data="", content_type="application/json"), 400, "malformed-json")
