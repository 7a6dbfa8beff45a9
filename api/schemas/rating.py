"""Service ratings (好差评): the citizen's rating, its rectification reply, and the public summary."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from models.errors import N_
from models.rating import COMMENT_MAX, INDICATORS

SCORE = {"invalid": N_("Use a whole number from 1 to 5.")}


class RatingCreateSchema(Schema):
    """Level 5 非常满意 … 1 非常不满意; indicators 办事效率, 办事指南精确度, 办事便捷度, 平台操作性 (1–5)."""

    level = fields.Integer(required=True, strict=True, error_messages={
        **SCORE, "required": N_("This field is required."), "null": N_("This field cannot be empty.")},
        metadata={"minimum": 1, "maximum": 5, "example": 5})
    indicators = fields.Dict(
        keys=fields.String(), values=fields.Integer(strict=True, error_messages=SCORE), load_default=dict,
        metadata={"description": "Scores 1-5 by indicator: " + ", ".join(INDICATORS),
                  "example": {"efficiency": 5, "guide_accuracy": 4}},
    )
    comment = fields.String(load_default="", validate=validate.Length(max=COMMENT_MAX,
                                                                       error=N_("The text is too long.")))


class RectificationReplySchema(Schema):
    status = fields.String(metadata={"description": "open or closed"})
    due_date = fields.Date()
    reply = fields.String()
    closed_at = fields.AwareDateTime(allow_none=True)


class RatingSchema(Schema):
    case_no = fields.String()
    level = fields.Integer()
    level_label = fields.String()
    indicators = fields.Dict(keys=fields.String(), values=fields.Integer())
    comment = fields.String()
    created_at = fields.AwareDateTime()
    rectification = fields.Nested(RectificationReplySchema, allow_none=True)


class LevelCountSchema(Schema):
    level = fields.Integer()
    label = fields.String()
    count = fields.Integer()


class IndicatorAverageSchema(Schema):
    name = fields.String()
    label = fields.String()
    average = fields.Float(allow_none=True)


class RatingSummarySchema(Schema):
    """Anonymous figures: no comments, no names."""

    service_code = fields.String()
    service_name = fields.String()
    count = fields.Integer()
    average = fields.Float(allow_none=True)
    distribution = fields.List(fields.Nested(LevelCountSchema))
    indicators = fields.List(fields.Nested(IndicatorAverageSchema))
