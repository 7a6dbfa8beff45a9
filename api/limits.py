"""Limits on what one request may cost: JSON bodies (bytes actually read, nesting depth) and request rates
(per client and per signed-in user), each answered with a 4xx problem+json."""

from __future__ import annotations

import json

from flask import current_app, request

from models.errors import N_, DomainError

MAX_JSON_DEPTH = 32  # our deepest schema (a guide's bilingual materials) nests 5 levels


class BodyTooLarge(DomainError):
    status = 413
    type = "payload-too-large"
    title = N_("Too large")
    message = N_("The request body is too large.")


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


def read_json_body() -> object:
    """The parsed JSON body, reading at most MAX_JSON_KB bytes from the stream whatever Content-Length says
    (a chunked body has none), and refusing nesting deeper than MAX_JSON_DEPTH before it is used."""
    limit = current_app.config["MAX_JSON_KB"] * 1024
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge()
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise BodyTooLarge()
    try:
        data = json.loads(raw)
    except RecursionError as exc:
        raise JsonTooDeep(depth=MAX_JSON_DEPTH) from exc
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise MalformedJson() from exc
    if _depth_exceeds(data, MAX_JSON_DEPTH):
        raise JsonTooDeep(depth=MAX_JSON_DEPTH)
    return data


def _depth_exceeds(data: object, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit`` (iterative: a deep body cannot recurse here)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
