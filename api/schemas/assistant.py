"""The assistant's retrieval answer, chat feedback and the review list of misses."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.chat import CONVERSATION_ID
from api.schemas.common import ListArgsSchema, text
from models.assistant import Outcome
from models.errors import N_

ONE_OF = N_("Choose one of the allowed values.")
TOO_LONG = N_("The text is too long.")


class AnswerArgsSchema(Schema):
    q = text(500)
    scope = fields.String(load_default="all", validate=validate.OneOf(["all", "policy"], error=ONE_OF),
                          metadata={"description": "policy: only the published policies (a known policy question)"})


class ServiceRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class LifeEventStepSchema(Schema):
    services = fields.List(fields.Nested(ServiceRefSchema), metadata={"description": "One of these, in order of fit"})
    note = fields.String()


class LifeEventSchema(Schema):
    name = fields.String()
    steps = fields.List(fields.Nested(LifeEventStepSchema))


class PolicyAnswerSchema(Schema):
    text = fields.String(metadata={"description": "Whole sentences of the passage, about 120 characters"})
    more = fields.String(metadata={"description": "The same answer widened (展开), up to about 360 characters"})
    source = fields.String(metadata={"description": "Policy title › heading path"})
    title = fields.String()
    heading_path = fields.List(fields.String())
    policy_id = fields.Integer()


class AnswerSchema(Schema):
    query = fields.String()
    language = fields.String()
    outcome = fields.String(validate=validate.OneOf([o.value for o in Outcome]),
                            metadata={"description": "service, choices, life_event, policy, handover or abstain"})
    services = fields.List(fields.Nested(ServiceRefSchema))
    life_event = fields.Nested(LifeEventSchema, allow_none=True)
    policy = fields.Nested(PolicyAnswerSchema, allow_none=True)


class FeedbackSchema(Schema):
    conversation_id = fields.String(required=True, validate=CONVERSATION_ID,
                                    error_messages={"required": N_("This field is required.")})
    message_id = fields.String(load_default=None, validate=validate.Length(max=64, error=TOO_LONG))
    helpful = fields.Boolean(required=True, error_messages={"required": N_("This field is required.")})
    question = text(1000, required=False, load_default=None,
                    metadata={"description": "The message the rated reply answered, as the user typed it"})
    comment = text(1000, required=False, load_default=None)


class FeedbackResultSchema(Schema):
    recorded = fields.Boolean()


class MissListArgsSchema(ListArgsSchema):
    order = fields.String(load_default="recent", validate=validate.OneOf(["recent", "count"], error=ONE_OF))
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366, error=N_("Use a number from {min} to {max}.")))


class MissGroupSchema(Schema):
    sample = fields.String(metadata={"description": "The newest question of the group (ID and phone numbers masked)"})
    count = fields.Integer()
    last_seen = fields.AwareDateTime()
    kinds = fields.Dict(keys=fields.String(), values=fields.Integer(),
                        metadata={"description": "abstain, fallback, handover, unhelpful → count"})
    languages = fields.Dict(keys=fields.String(), values=fields.Integer())
    comments = fields.List(fields.String())


class MissListSchema(Schema):
    items = fields.List(fields.Nested(MissGroupSchema))
    next_cursor = fields.String(allow_none=True)
