"""Logs carry one request id per request and no personal data (issue #12, items 11 and 12)."""

from __future__ import annotations

import io
import logging

from api.logs import FORMAT, RedactingFormatter, redact

PHONE, ID_NUMBER = "13712345678", "11010519491231002X"


def test_redact_masks_phones_id_numbers_and_tokens():
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI1Iiwic2NvcGUiOiJjaGF0In0.c2lnbmF0dXJl"
    line = redact(f"phone {PHONE}, id {ID_NUMBER}, bearer {token}, case YW20261130000011, +86{PHONE}")
    assert PHONE not in line and ID_NUMBER not in line and token not in line
    assert "137****5678" in line and "110***********002X" in line and "eyJ…[token]" in line
    assert "YW20261130000011" in line  # case numbers are not personal data and stay searchable


def test_each_request_has_one_id_in_and_out(client):
    given = client.get("/healthz", headers={"X-Request-ID": "req-4f2a.7"})
    generated, again = client.get("/healthz"), client.get("/healthz")
    unsafe = client.get("/healthz", headers={"X-Request-ID": "bad id <script>" + "x" * 200})
    assert given.headers["X-Request-ID"] == "req-4f2a.7"
    assert len(generated.headers["X-Request-ID"]) == 32 and generated.headers["X-Request-ID"] != \
        again.headers["X-Request-ID"]
    assert len(unsafe.headers["X-Request-ID"]) == 32  # a client cannot write arbitrary text into our logs


def test_every_log_line_of_a_request_carries_its_request_id(app, client, caplog):
    app.config["RASA_URL"] = "http://127.0.0.1:9"  # nothing listens: the chat request logs a warning
    try:
        with caplog.at_level(logging.INFO):
            first = client.post("/api/v1/chat", json={"message": "你好"}, headers={"X-Request-ID": "req-chat-1"})
            second = client.post("/api/v1/chat", json={"message": "你好"})
    finally:
        app.config["RASA_URL"] = "http://127.0.0.1:5005"
    assert first.status_code == second.status_code == 503
    ids = {record.request_id for record in caplog.records if record.name.startswith("api")}
    assert ids == {"req-chat-1", second.headers["X-Request-ID"]}


def test_the_formatter_prints_the_request_id_and_redacts_tracebacks(app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(FORMAT))
    logger = logging.getLogger("yiwang.test.formatter")
    logger.addHandler(handler)
    try:
        with app.test_request_context(headers={"X-Request-ID": "abc-123"}):
            app.preprocess_request()
            try:
                raise ValueError(f"no account for {PHONE}")
            except ValueError:
                logger.exception("lookup failed")
        logger.error("outside a request")
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue()
    assert "[abc-123] yiwang.test.formatter: lookup failed" in lines
    assert "ValueError: no account for 137****5678" in lines and PHONE not in lines
    assert "[-] yiwang.test.formatter: outside a request" in lines


def test_the_chat_token_never_reaches_the_logs(app, client, accounts, caplog):
    """The delegated token rides to Rasa in the message metadata; whatever logs the request does not show it."""
    from api import assistant

    _, headers = accounts.citizen()
    app.config["RASA_URL"] = "http://127.0.0.1:9"  # nothing listens: the request fails and is logged
    try:
        with caplog.at_level(logging.DEBUG):
            response = client.post("/api/v1/chat", json={"message": f"我的手机号是{PHONE}"}, headers=headers)
            with app.test_request_context():
                token = assistant.delegated_token(accounts.create(), "sid")
                logging.getLogger("yiwang.test").debug("metadata %s", {"token": token})
    finally:
        app.config["RASA_URL"] = "http://127.0.0.1:5005"
    assert response.status_code == 503
    assert token not in caplog.text and "eyJ…[token]" in caplog.text
    assert headers["Authorization"].split()[1] not in caplog.text
    assert PHONE not in caplog.text
