"""Applications and cases (办件) as the citizen's app sees them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.limits import MAX_ID
from api.schemas.common import REQUIRED, ListArgsSchema, text
from api.schemas.rating import RatingSchema
from models.cases.workflow import Status
from models.errors import N_

STATUS_FILTERS = [s.value for s in Status] + ["open", "closed"]


class CaseCreateSchema(Schema):
    service_code = text(40)
    form = fields.Dict(required=True, error_messages={**REQUIRED, "invalid": N_("The form must be an object of field values.")})


class CaseListArgsSchema(ListArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUS_FILTERS,
                           error=N_("Choose one of the allowed values.")))


class CaseSummarySchema(Schema):
    """A compact case for lists on small screens."""

    case_no = fields.String(metadata={"example": "YW20261130000123"})
    service_code = fields.String()
    service_name = fields.String()
    status = fields.String()
    status_label = fields.String()
    next_step = fields.String()
    submitted_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    due_date = fields.Date(allow_none=True)
    working_days_left = fields.Integer(allow_none=True)
    overdue = fields.Boolean()


class CaseListSchema(Schema):
    items = fields.List(fields.Nested(CaseSummarySchema))
    next_cursor = fields.String(allow_none=True)


class AttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    material = fields.String()
    visibility = fields.String()
    uploader_role = fields.String()
    created_at = fields.AwareDateTime()


class TimelineEventSchema(Schema):
    seq = fields.Integer()
    action = fields.String()
    action_label = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    status_label = fields.String()
    actor_role = fields.String()
    actor = fields.String(allow_none=True)
    public_note = fields.String()
    missing_materials = fields.List(fields.String())
    changed_fields = fields.List(fields.String(), metadata={"description": "Form fields changed on resubmission"})
    created_at = fields.AwareDateTime()


class RequiredMaterialSchema(Schema):
    name = fields.String()
    required = fields.Boolean()
    provided = fields.Boolean()


class CaseDetailSchema(CaseSummarySchema):
    service_version = fields.Integer()
    form = fields.Dict()
    statutory_due_date = fields.Date(allow_none=True)
    due_date_estimated = fields.Boolean()
    accepted_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    department = fields.Dict()
    materials = fields.List(fields.Nested(RequiredMaterialSchema))
    attachments = fields.List(fields.Nested(AttachmentSchema))
    timeline = fields.List(fields.Nested(TimelineEventSchema))
    allowed_actions = fields.List(fields.String())
    version = fields.Integer()
    rating = fields.Nested(RatingSchema, allow_none=True)
    can_rate = fields.Boolean()


class UploadArgsSchema(Schema):
    material = fields.String(load_default="", validate=validate.Length(max=200, error=N_("The text is too long.")))


NUMBER_RANGE = N_("Use a number from {min} to {max}.")


class ResubmitSchema(Schema):
    """The answer to a supplement request (补正): changed form fields and/or files uploaded before."""

    form = fields.Dict(load_default=dict, error_messages={"invalid": N_("The form must be an object of field values.")},
                       metadata={"description": "Only the fields that change"})
    attachment_ids = fields.List(fields.Integer(validate=validate.Range(min=1, max=MAX_ID, error=NUMBER_RANGE)),
                                 load_default=None,
                                 validate=validate.Length(max=50, error=N_("Give at most {max} items.")),
                                 metadata={"description": "Files answering the request; default: every file "
                                           "uploaded since the request"})
    note = fields.String(load_default="", validate=validate.Length(max=2000, error=N_("The text is too long.")))
