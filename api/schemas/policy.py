"""Policies (政务公开) and policy search."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import ListArgsSchema, text
from models.errors import N_
from models.policies.policy import PolicyStatus

ONE_OF = N_("Choose one of the allowed values.")
TOO_LONG = N_("The text is too long.")


class PolicyInputSchema(Schema):
    title = text(300)
    issuer = fields.String(load_default="", validate=validate.Length(max=200, error=TOO_LONG))
    doc_number = fields.String(load_default="", validate=validate.Length(max=100, error=TOO_LONG),
                               metadata={"description": "文号, e.g. 国办发〔2019〕51号"})
    publish_date = fields.Date(load_default=None, allow_none=True)
    category = fields.String(load_default="", validate=validate.Length(max=64, error=TOO_LONG))
    language = fields.String(load_default="zh", validate=validate.OneOf(["zh", "en"], error=ONE_OF))
    body = text(500_000)
    body_format = fields.String(load_default="text", validate=validate.OneOf(["text", "markdown"], error=ONE_OF))
    source = fields.String(load_default="", validate=validate.Length(max=500, error=TOO_LONG))
    publish = fields.Boolean(load_default=False, load_only=True)


class PolicyUpdateSchema(PolicyInputSchema):
    class Meta:
        exclude = ("publish",)


class PolicyListArgsSchema(ListArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf([s.value for s in PolicyStatus], error=ONE_OF))
    category = fields.String(load_default=None, validate=validate.Length(max=64, error=TOO_LONG))


class PolicySummarySchema(Schema):
    id = fields.Integer()
    title = fields.String()
    issuer = fields.String()
    doc_number = fields.String()
    publish_date = fields.Date(allow_none=True)
    category = fields.String()
    status = fields.String()
    language = fields.String()
    source = fields.String()
    updated_at = fields.AwareDateTime()


class PolicyListSchema(Schema):
    items = fields.List(fields.Nested(PolicySummarySchema))
    next_cursor = fields.String(allow_none=True)


class PassageSchema(Schema):
    ordinal = fields.Integer()
    heading_path = fields.List(fields.String())
    heading = fields.Method("_heading")
    text = fields.String()

    def _heading(self, passage) -> str:
        return passage.as_passage().heading


class PolicyDetailSchema(PolicySummarySchema):
    body = fields.String()
    body_format = fields.String()
    published_at = fields.AwareDateTime(allow_none=True)
    repealed_at = fields.AwareDateTime(allow_none=True)
    passages = fields.List(fields.Nested(PassageSchema))


class PolicySearchArgsSchema(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=200, error=N_("Use between 1 and {max} characters.")),
                      error_messages={"required": N_("This field is required.")})
    k = fields.Integer(load_default=5, validate=validate.Range(min=1, max=20, error=N_("Use a number from {min} to {max}.")))


class PolicyHitSchema(Schema):
    policy_id = fields.Integer()
    title = fields.String()
    doc_number = fields.String()
    issuer = fields.String()
    source = fields.String()
    ordinal = fields.Integer()
    heading_path = fields.List(fields.String())
    heading = fields.String(metadata={"description": "title path for display: 第六节… › 三、… › （一）…"})
    text = fields.String()
    snippet = fields.String(metadata={"description": "HTML-escaped passage text with <mark> around matches"})
    score = fields.Float()


class PolicySearchResultSchema(Schema):
    query = fields.String()
    abstained = fields.Boolean(metadata={"description": "true when nothing was relevant enough to answer"})
    items = fields.List(fields.Nested(PolicyHitSchema))
