"""Shared schema pieces: bilingual texts, list arguments, pages."""

from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields, validate

from models.errors import N_

REQUIRED = {"required": N_("This field is required."), "null": N_("This field cannot be empty.")}


def text(max_length: int = 200, **kwargs) -> fields.String:
    """A required, non-blank string field with a length limit."""
    return fields.String(
        required=kwargs.pop("required", True),
        validate=[validate.Length(min=1, max=max_length, error=N_("Use between 1 and {max} characters."))],
        error_messages=REQUIRED,
        **kwargs,
    )


class I18nTextSchema(Schema):
    """A text in Chinese (required) and English."""

    zh = text(4000)
    en = text(4000, required=False)


class ListArgsSchema(Schema):
    cursor = fields.String(load_default=None)
    limit = fields.Integer(
        load_default=lambda: current_app.config["PAGE_SIZE"], validate=validate.Range(min=1, max=100, error=N_("Use a number from {min} to {max}."))
    )
    updated_since = fields.AwareDateTime(
        load_default=None, error_messages={"invalid": N_("Use an ISO 8601 date-time with a time zone offset.")}
    )


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class NameRefSchema(Schema):
    code = fields.String()
    name = fields.String()
