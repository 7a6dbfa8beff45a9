"""The assistant's chat API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import text
from api.schemas.policy import PolicyHitSchema
from models.errors import N_

CONVERSATION_ID = validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$", error=N_("This is not a valid conversation id."))
REPLY_KINDS = ("answer", "choices", "abstain", "handover", "fallback", "form", "smalltalk", "case")


class ChatRequestSchema(Schema):
    message = text(1000)
    conversation_id = fields.String(load_default=None, validate=CONVERSATION_ID)


class ButtonSchema(Schema):
    title = fields.String()
    payload = fields.String()


class ChatReplySchema(Schema):
    text = fields.String()
    buttons = fields.List(fields.Nested(ButtonSchema))
    kind = fields.String(validate=validate.OneOf(REPLY_KINDS), metadata={
        "description": "answer (a service or policy answer), choices, abstain, handover, fallback (asks to "
                       "rephrase), form (a question of an application form), smalltalk or case (case status)"})


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
