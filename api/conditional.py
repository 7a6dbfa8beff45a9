"""HTTP caching and concurrency headers: ETags with 304 for phones, If-Match for case changes."""

from __future__ import annotations

import hashlib
import re

from flask import Flask, g, request

from models.errors import N_, DomainError, PreconditionRequired

_VERSION_TAG = re.compile(r"^v(\d+)(?:\.[0-9a-f]+)?$")


class BadIdempotencyKey(DomainError):
    status = 400
    type = "bad-idempotency-key"
    title = N_("Invalid Idempotency-Key")
    message = N_("The Idempotency-Key header must be 1 to 128 visible ASCII characters.")


def expose_version(version: int) -> None:
    """Mark the response as one version of a case: its ETag then carries that version."""
    g.resource_version = version


def required_version() -> int:
    """The case version the client saw, from If-Match (428 when missing, 412 when unreadable)."""
    version = optional_version()
    if version is None:
        raise PreconditionRequired()
    return version


def optional_version() -> int | None:
    if not request.if_match:
        return None
    for tag in request.if_match.as_set():
        if match := _VERSION_TAG.match(tag):
            return int(match.group(1))
    raise PreconditionRequired(N_("If-Match must carry the ETag of the case as last received."))


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip().strip('"')
    if not (0 < len(key) <= 128) or not key.isascii() or not key.isprintable():
        raise BadIdempotencyKey()
    return key


def init_conditional(app: Flask) -> None:
    @app.after_request
    def _etag(response):
        response.headers.setdefault("Cache-Control", "no-cache, private")
        response.vary.update(("Accept-Language", "Authorization"))
        if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.direct_passthrough:
            return response
        if not response.get_etag()[0]:
            digest = hashlib.sha256(response.get_data()).hexdigest()[:20]
            version = g.get("resource_version")
            response.set_etag(f"v{version}.{digest}" if version is not None else digest)
        return response.make_conditional(request)
