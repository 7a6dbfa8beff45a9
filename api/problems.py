"""RFC 9457 problem details (application/problem+json) for every error, in the caller's language."""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app, json, request
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt.exceptions import PyJWTError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from api.extensions import limiter
from api.i18n import translate
from models.errors import (
    N_,
    DomainError,
    PayloadTooLarge,
    PreconditionFailed,
    UnsupportedMediaType,
    ValidationFailed,
)

log = logging.getLogger(__name__)
TYPE_PREFIX = "urn:yiwang:problem:"

HTTP_PROBLEMS = {
    error.status: (error.type, error.title, error.message) for error in (PayloadTooLarge, UnsupportedMediaType)
} | {
    400: ("bad-request", N_("Bad request"), N_("The request could not be understood.")),
    401: ("unauthorized", N_("Sign-in required"), N_("Sign in to continue.")),
    403: ("forbidden", N_("Forbidden"), N_("You are not allowed to do this.")),
    404: ("not-found", N_("Not found"), N_("The requested resource does not exist.")),
    405: ("method-not-allowed", N_("Method not allowed"), N_("This address does not support that method.")),
    429: ("too-many-requests", N_("Too many requests"), N_("Too many attempts. Wait a moment and try again.")),
    500: ("internal-error", N_("Internal error"), N_("Something went wrong on our side. Please try again later.")),
}


def problem(status: int, type_: str, title: str, detail: str, errors=None, headers=None):
    body = {"type": TYPE_PREFIX + type_, "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    if request and getattr(request, "path", None):
        body["instance"] = request.path
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json"
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _translated_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    return {field: [translate(message) for message in messages] for field, messages in errors.items()}


def from_domain_error(exc: DomainError):
    errors = _translated_errors(exc.errors) if isinstance(exc, ValidationFailed) else None
    return problem(exc.status, exc.type, translate(exc.title), translate(exc.message, exc.params), errors,
                   headers=getattr(exc, "headers", None))


def from_http_exception(exc: HTTPException, detail: str | None = None):
    status = exc.code or 500
    type_, title, default_detail = HTTP_PROBLEMS.get(status, ("http-error", exc.name, exc.description or ""))
    headers = {}
    if status == 429:
        retry_after = getattr(exc, "retry_after", None) or _retry_after_from(exc)
        if retry_after:
            headers["Retry-After"] = str(retry_after)
    if status == 405 and exc.get_response().headers.get("Allow"):
        headers["Allow"] = exc.get_response().headers["Allow"]
    return problem(status, type_, translate(title), translate(detail or default_detail), headers=headers)


def _retry_after_from(exc: HTTPException) -> str | None:
    """Seconds until the breached limit's window resets (flask-limiter's limit; its own headers are off, as
    they would put a Retry-After on every answer)."""
    limit = getattr(exc, "limit", None)
    if limit is None:
        return None
    try:
        breached = [current for current in limiter.current_limits if current.breached]
        if breached:
            return str(max(1, math.ceil(max(c.reset_at for c in breached) - time.time())))
        return str(int(limit.limit.get_expiry()))
    except Exception:  # noqa: BLE001 - a missing header is better than an error while reporting one
        return None


def from_any(exc: Exception):
    """Render any exception raised while handling a request."""
    if isinstance(exc, DomainError):
        return from_domain_error(exc)
    if isinstance(exc, StaleDataError):
        # Another request changed the case between our read and our UPDATE (its version moved on):
        # nothing of this request was committed; the session is rolled back at teardown.
        return from_domain_error(PreconditionFailed())
    if isinstance(exc, JWTExtendedException | PyJWTError):
        return problem(401, "invalid-token", translate(N_("Sign-in required")),
                       translate(N_("Your sign-in is missing, invalid or has expired. Sign in again.")))
    if isinstance(exc, HTTPException):
        if exc.code is not None and exc.code < 400:  # routing redirects (e.g. a doubled slash) stay redirects
            return exc.get_response()
        return from_http_exception(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return from_http_exception(_InternalError())


class _InternalError(HTTPException):
    code = 500


def init_problems(app: Flask) -> None:
    app.register_error_handler(Exception, from_any)
