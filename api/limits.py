"""Limits on what one request may cost: JSON bodies (bytes actually read, nesting depth) and request rates
(per client and per signed-in user), each answered with a 4xx problem+json."""

from __future__ import annotations

import hmac
import json
import math
import time

from flask import Flask, current_app, request
from flask_jwt_extended.utils import decode_token
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.exceptions import TooManyRequests
from werkzeug.routing import IntegerConverter

from api.context import settings
from api.extensions import limiter
from models.accounts.lockout import AccountLockout
from models.errors import N_, DomainError, PayloadTooLarge

MAX_JSON_DEPTH = 32  # our deepest schema (a guide's bilingual materials) nests 5 levels
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


class MalformedJson(DomainError):
    status = 400
    type = "malformed-json"
    title = N_("Malformed JSON")
    message = N_("The request body is not valid JSON.")


class JsonTooDeep(DomainError):
    status = 400
    type = "json-too-deep"
    title = N_("Malformed JSON")
    message = N_("The request body nests arrays or objects more than {depth} levels deep.")


class UnstorableText(DomainError):
    status = 400
    type = "bad-request"
    title = N_("Bad request")
    message = N_("The request contains characters that cannot be stored (NUL or an unpaired surrogate).")


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` URL parts: a number beyond any id is no route (404), not an overflow in the database."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def client_key() -> str:
    return f"client:{get_remote_address()}"


def assistant_call() -> bool:
    """A call from the assistant's action server (the shared ASSISTANT_API_KEY in X-Assistant-Key).

    All of the bot's calls come from one address, so a per-client limit would let one busy hour of chat
    lock the assistant out; each end client is limited on /chat instead, and signed-in users per user.
    """
    key = current_app.config.get("ASSISTANT_API_KEY") or ""
    sent = request.headers.get("X-Assistant-Key", "")
    return bool(key) and hmac.compare_digest(sent.encode(), key.encode())


def signed_in_user_id() -> str | None:
    """The user id of a valid bearer token, without a database query (None for anonymous callers)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Bearer" or not token:
        return None
    try:
        return str(decode_token(token)["sub"])
    except Exception:  # noqa: BLE001 - any bad token: the view answers 401 itself
        return None


def user_key() -> str:
    return f"user:{signed_in_user_id()}"


def _expensive_limit() -> str:
    return current_app.config["EXPENSIVE_RATE_LIMIT"]


# Endpoints that cost CPU (search, the assistant, form checks): limited per client and, signed in, per user.
EXPENSIVE = [limiter.limit(_expensive_limit, key_func=client_key, exempt_when=assistant_call),
             limiter.limit(_expensive_limit, key_func=user_key, exempt_when=lambda: signed_in_user_id() is None)]


def check_rate(setting: str, scope: str, key: str) -> None:
    """Count one hit of ``key`` in ``scope`` against the limits of a setting; 429 with Retry-After when over."""
    strategy = limiter.limiter
    for item in parse_many(current_app.config[setting]):
        if not strategy.hit(item, scope, key):
            reset_at = strategy.get_window_stats(item, scope, key).reset_time
            raise TooManyRequests(retry_after=max(1, math.ceil(reset_at - time.time())))


def lockout() -> AccountLockout:
    return current_app.extensions["yiwang.lockout"]


def init_limits(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter
    settings = app.extensions["yiwang.settings"]
    app.extensions["yiwang.lockout"] = AccountLockout.from_uri(
        settings.RATELIMIT_STORAGE_URI, attempts=settings.LOGIN_LOCKOUT_ATTEMPTS,
        minutes=settings.LOGIN_LOCKOUT_MINUTES)

    @app.before_request
    def _limit_writes():
        """Every request that writes counts against WRITE_RATE_LIMIT, per client and per signed-in user."""
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        if not assistant_call():
            check_rate("WRITE_RATE_LIMIT", "writes", client_key())
        if (user_id := signed_in_user_id()) is not None:
            check_rate("WRITE_RATE_LIMIT", "writes", f"user:{user_id}")

    @app.before_request
    def _refuse_unstorable_text():
        texts = [request.path, *request.args.keys(), *request.args.values()]
        if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
            texts += [*request.form.values(), *(upload.filename or "" for upload in request.files.values())]
        if any(not _storable(text) for text in texts):
            raise UnstorableText()


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def read_json_body() -> object:
    """The parsed JSON body, reading at most MAX_JSON_KB bytes from the stream whatever Content-Length says
    (a chunked body has none), and refusing nesting deeper than MAX_JSON_DEPTH before it is used."""
    limit = settings().MAX_JSON_KB * 1024
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge()
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise PayloadTooLarge()
    try:
        data = json.loads(raw)
    except RecursionError as exc:
        raise JsonTooDeep(depth=MAX_JSON_DEPTH) from exc
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise MalformedJson() from exc
    _check_structure(data)
    return data


def _check_structure(data: object) -> None:
    """Arrays and objects nest at most MAX_JSON_DEPTH deep (walked without recursion, so a deep body cannot
    exhaust the stack here) and every string can be stored (PostgreSQL refuses NUL; UTF-8 lone surrogates)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if not _storable(node):
                raise UnstorableText()
        elif isinstance(node, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise JsonTooDeep(depth=MAX_JSON_DEPTH)
            children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
