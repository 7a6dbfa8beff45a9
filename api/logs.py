"""Logging: one request id per request on every line (``X-Request-ID`` in and out), and no personal data.

Every log record, whoever writes it (our code, gunicorn, werkzeug, a library), is created through
``_record_factory``: it carries the request id of the request it was written in ("-" outside one) and
its message is redacted — mobile numbers and resident ID numbers masked, bearer tokens (the assistant's
delegated token included) cut to their header. Tracebacks are redacted by the formatter.
"""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, g, has_request_context, request

from models.accounts.identity import mask_text_ids

FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_MOBILE = re.compile(r"(?<!\d)((?:86)?1[3-9]\d)\d{4}(\d{4})(?!\d)")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def redact(text: str) -> str:
    """The text with mobile numbers (138****5678), resident ID numbers (110***********002X) and tokens masked."""
    text = _JWT.sub("eyJ…[token]", text)
    text = mask_text_ids(text)
    return _MOBILE.sub(r"\1****\2", text)


def request_id() -> str:
    """This request's id, or "-" outside a request."""
    if has_request_context():
        return g.get("request_id", "-")
    return "-"


class RedactingFormatter(logging.Formatter):
    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return redact(super().formatException(ei))


_base_factory = logging.getLogRecordFactory()


def _record_factory(*args, **kwargs) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    record.request_id = request_id()
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed call is reported by logging itself when emitted
        return record
    record.msg, record.args = redact(message), None
    return record


def init_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(FORMAT))
    logging.basicConfig(level=app.config["LOG_LEVEL"], handlers=[handler])
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if logging.getLogRecordFactory() is not _record_factory:
        logging.setLogRecordFactory(_record_factory)

    @app.before_request
    def _take_request_id():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def _give_request_id(response):
        response.headers[REQUEST_ID_HEADER] = request_id()
        return response
