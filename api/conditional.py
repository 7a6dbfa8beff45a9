"""HTTP caching and concurrency headers: ETags with 304 for phones, If-Match for case changes."""

from __future__ import annotations

import hashlib
import re

from flask import Flask, g, request

from models.errors import N_, DomainError, PreconditionFailed, PreconditionRequired

_VERSION_TAG = re.compile(r"^v(\d+)(?:\.[0-9a-f]+)?$")


class BadIdempotencyKey(DomainError):
    status = 400
    type = "bad-idempotency-key"
    title = N_("Invalid Idempotency-Key")
    message = N_("The Idempotency-Key header must be 1 to 128 visible ASCII characters.")


def expose_version(version: int) -> None:
    """Mark the response as one version of a case: its ETag then carries that version."""
    g.resource_version = version


def required_version() -> int | None:
    """The case version the client saw, from If-Match: 428 when it is missing (RFC 9110 §13.1.1)."""
    if not request.if_match:
        raise PreconditionRequired()
    return optional_version()


def optional_version() -> int | None:
    """The version named by If-Match; None without the header or with ``*`` (any current version matches).

    A tag that is not the case's ETag form is a tag that does not match: 412, like a stale version.
    """
    if not request.if_match or request.if_match.star_tag:
        return None
    for tag in request.if_match.as_set():
        if tag and (match := _VERSION_TAG.match(tag)):
            return int(match.group(1))
    raise PreconditionFailed()


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
