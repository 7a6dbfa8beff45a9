"""flask-restx wiring: one Api under /api/v1, Swagger models derived from the marshmallow schemas,
and request loading through those same schemas, so the published spec and the validation agree."""

from __future__ import annotations

import base64
import binascii
import json

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, request
from flask_restx import Api
from marshmallow import EXCLUDE, Schema, ValidationError
from werkzeug.routing import RoutingException

from api.limits import read_json_body
from api.problems import from_any
from models.errors import (
    N_,
    UnsupportedMediaType,
    ValidationFailed,
    flatten_errors,
)
from models.pagination import BadCursor

blueprint = Blueprint("api_v1", __name__, url_prefix="/api/v1")

AUTHORIZATIONS = {"bearer": {"type": "apiKey", "in": "header", "name": "Authorization",
                             "description": "Bearer <access token> from POST /auth/login"}}


class YiwangApi(Api):
    def handle_error(self, e):
        """Every error raised under /api/v1 becomes problem+json (restx would answer its own JSON)."""
        return from_any(e)

    def _should_use_fr_error_handler(self):
        # flask-restx matches the URL again to pick an error handler; for a URL that routing redirects
        # (a doubled slash) that match raises instead of answering. Flask's own handler then applies.
        try:
            return super()._should_use_fr_error_handler()
        except RoutingException:
            return False

    @property
    def __schema__(self):
        """The Swagger spec, completed with the nested schemas that the used models refer to.

        flask-restx publishes only the models named in ``expect``/``response``; a marshmallow schema's
        nested schemas arrive as ``$ref``s that must be published too.
        """
        schema = super().__schema__
        definitions = schema.setdefault("definitions", {})
        pending = _refs(definitions)
        while pending:
            name = pending.pop()
            if name not in definitions and name in self.models:
                definitions[name] = self.models[name].__schema__
                pending |= _refs(definitions[name])
        return schema


def _refs(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node)) if node else set()
    return set()


api = YiwangApi(
    blueprint,
    version="1.0",
    title="Yiwang (一网通办) API",
    description="Mobile e-government: service guides, online applications, mobile office, notifications, "
    "policies and the assistant. Errors are RFC 9457 problem+json; send Accept-Language: zh-CN or en.",
    doc="/docs",
    authorizations=AUTHORIZATIONS,
    security="bearer",
)

_spec = APISpec("Yiwang", "1.0", "2.0", plugins=[MarshmallowPlugin()])


def model(schema: type[Schema]):
    """The Swagger model of a marshmallow schema (nested schemas are registered too)."""
    name = schema.__name__.removesuffix("Schema")
    if name not in api.models:
        if name not in _spec.components.schemas:
            _spec.components.schema(name, schema=schema)
        for def_name, definition in _spec.to_dict()["definitions"].items():
            if def_name not in api.models:
                api.schema_model(def_name, _swagger2(definition))
    return api.models[name]


def _swagger2(node):
    """A definition as Swagger 2.0 allows it: apispec writes ``default: null`` for optional fields (2.0 has no
    null; ``x-nullable`` says it) and a Decimal's bounds as strings (``minimum: "0.00"``), which generators
    and fuzzers refuse."""
    if isinstance(node, dict):
        return {key: _bound(value) if key in ("minimum", "maximum") else _swagger2(value)
                for key, value in node.items() if not (key == "default" and value is None)}
    if isinstance(node, list):
        return [_swagger2(item) for item in node]
    return node


def _bound(value):
    if isinstance(value, str):
        number = float(value)
        return int(number) if number.is_integer() else number
    return _swagger2(value)


def load_body(schema: Schema) -> dict:
    """Validate the JSON body with a schema; every field error is reported at once."""
    if not request.is_json:
        raise UnsupportedMediaType(N_("Send a JSON body with the header Content-Type: application/json."))
    data = read_json_body()
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(flatten_errors(exc.messages)) from exc


def load_args(schema: Schema) -> dict:
    """Validate query-string arguments (unknown ones are ignored, e.g. cache busters)."""
    return _load_mapping(schema, request.args.to_dict())


def load_form(schema: Schema) -> dict:
    """Validate the text fields of a multipart form."""
    return _load_mapping(schema, request.form.to_dict())


def _load_mapping(schema: Schema, data: dict) -> dict:
    try:
        return schema.load(data, unknown=EXCLUDE)
    except ValidationError as exc:
        raise ValidationFailed(flatten_errors(exc.messages)) from exc


def encode_cursor(values: list | None) -> str | None:
    if values is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise BadCursor() from exc
    if not isinstance(values, list):
        raise BadCursor()
    return values
