"""Application forms: a marshmallow schema built from a service's ``form_fields`` definitions."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

import re2
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from models.errors import N_, ValidationFailed, flatten_errors

FIELD_TYPES = ("string", "text", "number", "date", "choice", "multichoice", "bool")
MAX_LENGTH = {"string": 200, "text": 2000}

MESSAGES = {
    "required": N_("This field is required."),
    "null": N_("This field cannot be empty."),
    "pattern": N_("The value does not have the expected format."),
    "choice": N_("Choose one of the listed options."),
    "too_long": N_("The text is too long."),
    "empty": N_("This field cannot be empty."),
}


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
_PYTHON_UNICODE_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9a-fA-F]{4})")


class _MatchesNothing:
    @staticmethod
    def fullmatch(_value: str) -> None:
        return None


_NOTHING = _MatchesNothing()


class UnsafePattern(ValueError):
    """A pattern the linear-time engine cannot run (back-references, look-arounds) or that does not parse."""


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str):
    """Compile an admin-written pattern with RE2, whose matching time is linear in the value's length
    whatever the pattern (Python's ``re`` doubles its time per character on ``^(a+)+$``).

    Python's ``\\uXXXX`` escapes, which the catalogue uses, are rewritten as RE2's ``\\x{XXXX}``.
    """
    try:
        return re2.compile(_PYTHON_UNICODE_ESCAPE.sub(r"\1\\x{\2}", pattern), _RE2_OPTIONS)
    except re2.error as exc:
        raise UnsafePattern(str(exc)) from exc


def _text(max_length: int, pattern: str | None):
    """Length first, then the pattern: a value that is too long is never matched. A pattern published before
    patterns ran on RE2 and that RE2 refuses matches nothing (refused at publish time since)."""
    try:
        compiled = compile_pattern(pattern) if pattern else None
    except UnsafePattern:
        compiled = _NOTHING

    def check(value: str) -> None:
        if len(value) > max_length:
            raise ValidationError(MESSAGES["too_long"])
        if compiled is not None and not compiled.fullmatch(value):
            raise ValidationError(MESSAGES["pattern"])

    return check


def _not_blank(value) -> None:
    if isinstance(value, str | list) and not value:
        raise ValidationError(MESSAGES["empty"])


def _field_for(definition: dict) -> fields.Field:
    kind = definition["type"]
    required = bool(definition.get("required"))
    errors = {"required": MESSAGES["required"], "null": MESSAGES["null"]}
    validators: list = [_not_blank] if required else []
    options = [option["value"] for option in definition.get("options") or []]
    if kind in MAX_LENGTH:
        validators.append(_text(MAX_LENGTH[kind], definition.get("pattern") if kind == "string" else None))
        return fields.String(required=required, validate=validators, error_messages=errors)
    if kind == "number":
        return fields.Float(required=required, allow_nan=False, error_messages=errors)
    if kind == "date":
        return fields.Date(required=required, error_messages=errors)
    if kind == "bool":
        return fields.Boolean(required=required, error_messages=errors)
    if kind == "choice":
        validators.append(validate.OneOf(options, error=MESSAGES["choice"]))
        return fields.String(required=required, validate=validators, error_messages=errors)
    if kind == "multichoice":
        item = fields.String(validate=validate.OneOf(options, error=MESSAGES["choice"]))
        return fields.List(item, required=required, validate=validators, error_messages=errors)
    raise ValueError(f"unknown form field type {kind!r}")


def form_schema(form_fields: list[dict], *, partial: bool = False) -> Schema:
    """Build the schema for one service version's form; every field error is reported at once."""
    schema_class = Schema.from_dict({d["name"]: _field_for(d) for d in form_fields}, name="ApplicationForm")
    return schema_class(unknown=RAISE, partial=partial)


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def validate_form(form_fields: list[dict], form: Any, *, partial: bool = False) -> dict[str, Any]:
    """Validate an application form; raise ValidationFailed with ``form.<field>`` paths."""
    if not isinstance(form, dict):
        raise ValidationFailed({"form": [N_("The form must be an object of field values.")]})
    try:
        loaded = form_schema(form_fields, partial=partial).load(form)
    except ValidationError as exc:
        raise ValidationFailed(flatten_errors(exc.messages, "form")) from exc
    return {name: _to_json(value) for name, value in loaded.items() if value is not None}

