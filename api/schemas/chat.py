"""The assistant's chat API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import text
from api.schemas.policy import PolicyHitSchema
from models.errors import N_


class ChatRequestSchema(Schema):
    message = text(1000)
    conversation_id = fields.String(
        load_default=None, validate=validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$", error=N_("This is not a valid conversation id."))
    )


class ButtonSchema(Schema):
    title = fields.String()
    payload = fields.String()


class ChatReplySchema(Schema):
    text = fields.String()
    buttons = fields.List(fields.Nested(ButtonSchema))


class ChatResponseSchema(Schema):
    conversation_id = fields.String()
    language = fields.String()
    replies = fields.List(fields.Nested(ChatReplySchema))


class ChatUnavailableSchema(Schema):
    """problem+json with the top policy passages, so the app still has something useful to show."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    conversation_id = fields.String()
    results = fields.List(fields.Nested(PolicyHitSchema))
