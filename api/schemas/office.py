"""The mobile office (移动办公): inbox, case actions, assignment, field files, stats, rectifications."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.limits import MAX_ID
from api.schemas.case import AttachmentSchema, CaseDetailSchema, CaseSummarySchema, TimelineEventSchema
from api.schemas.common import ListArgsSchema, text
from models.cases.workflow import STATUS_FILTERS, TRANSITIONS, Status
from models.errors import N_

ONE_OF = N_("Choose one of the allowed values.")
TOO_LONG = N_("The text is too long.")
NOTE = {"load_default": "", "validate": validate.Length(max=2000, error=TOO_LONG)}
WORKFLOW_ACTIONS = sorted({t.action for t in TRANSITIONS})
INBOX_STATUSES = [s.value for s in Status] + list(STATUS_FILTERS)


class OfficeInboxArgsSchema(ListArgsSchema):
    status = fields.String(load_default="open", validate=validate.OneOf(INBOX_STATUSES, error=ONE_OF))
    assigned = fields.String(load_default=None, validate=validate.OneOf(["me", "unassigned"], error=ONE_OF))
    overdue = fields.Boolean(load_default=False)
    due_within = fields.Integer(load_default=None, validate=validate.Range(
        min=0, max=365, error=N_("Use a number from {min} to {max}.")))


class PersonRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class OfficeCaseItemSchema(CaseSummarySchema):
    """A compact inbox row for small screens."""

    applicant_name = fields.String()
    assigned_to = fields.Nested(PersonRefSchema, allow_none=True)
    two_stage = fields.Boolean()
    allowed_actions = fields.List(fields.String(), metadata={"description": "Workflow actions for POST .../actions"})
    can_claim = fields.Boolean()
    can_assign = fields.Boolean()
    version = fields.Integer(metadata={"description": 'If-Match: "v<version>"'})


class OfficeCaseListSchema(Schema):
    items = fields.List(fields.Nested(OfficeCaseItemSchema))
    next_cursor = fields.String(allow_none=True)


class StaffTimelineEventSchema(TimelineEventSchema):
    internal_note = fields.String()
    actor_id = fields.Integer(allow_none=True)
    data = fields.Dict(metadata={"description": "What the step changed (assignee, form changes, files, …)"})


class ApplicantSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String()


class OfficeCaseDetailSchema(CaseDetailSchema):
    timeline = fields.List(fields.Nested(StaffTimelineEventSchema))
    applicant = fields.Nested(ApplicantSchema)
    assigned_to = fields.Nested(PersonRefSchema, allow_none=True)
    recommended_by = fields.Nested(PersonRefSchema, allow_none=True)
    two_stage = fields.Boolean()
    paused_working_days = fields.Integer()
    can_claim = fields.Boolean()
    can_assign = fields.Boolean()


class ActionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(WORKFLOW_ACTIONS, error=ONE_OF),
                           error_messages={"required": N_("This field is required.")},
                           metadata={"example": "accept"})
    public_note = fields.String(metadata={"description": "Shown to the citizen (the reason, when needed)"}, **NOTE)
    internal_note = fields.String(metadata={"description": "Staff only"}, **NOTE)
    missing_materials = fields.List(
        fields.String(validate=validate.Length(min=1, max=200, error=N_("Use between 1 and {max} characters."))),
        load_default=None, validate=validate.Length(max=30, error=N_("Give at most {max} items.")),
        metadata={"description": "For request_supplement: everything missing, at once"},
    )


class AssignSchema(Schema):
    officer_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID, error=N_(
        "Use a number from {min} to {max}.")), error_messages={
        "required": N_("This field is required."), "invalid": N_("Not a valid integer.")})
    internal_note = fields.String(**NOTE)


class OfficeUploadArgsSchema(Schema):
    visibility = fields.String(load_default="internal", validate=validate.OneOf(["internal", "public"], error=ONE_OF))


class OfficeAttachmentSchema(AttachmentSchema):
    case_version = fields.Integer(metadata={"description": "The case's new version, for the next If-Match"})


class StaffMemberSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    role = fields.String()
    open_cases = fields.Integer()


class StaffListSchema(Schema):
    items = fields.List(fields.Nested(StaffMemberSchema))


class StatsArgsSchema(Schema):
    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)
    department = fields.String(load_default=None, validate=validate.Length(max=32, error=TOO_LONG))


class RatingFiguresSchema(Schema):
    count = fields.Integer()
    average = fields.Float(allow_none=True)
    dissatisfied = fields.Integer(metadata={"description": "Ratings of 1 or 2"})


class FiguresSchema(Schema):
    code = fields.String()
    name = fields.String()
    open = fields.Integer()
    overdue = fields.Integer()
    closed = fields.Integer(metadata={"description": "Decided in the period (approved, rejected, not accepted)"})
    average_working_days = fields.Float(allow_none=True, metadata={
        "description": "From acceptance to decision, supplement pauses excluded"})
    on_time_rate = fields.Float(allow_none=True, metadata={"description": "0-1, decided by the due date"})
    ratings = fields.Nested(RatingFiguresSchema)


class DepartmentFiguresSchema(FiguresSchema):
    services = fields.List(fields.Nested(FiguresSchema))


class StatsSchema(Schema):
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    as_of = fields.Date()
    departments = fields.List(fields.Nested(DepartmentFiguresSchema))


class RectificationListArgsSchema(ListArgsSchema):
    class Meta:
        exclude = ("updated_since",)

    status = fields.String(load_default="open", validate=validate.OneOf(["open", "closed", "all"], error=ONE_OF))


class RectificationSchema(Schema):
    id = fields.Integer()
    case_no = fields.String()
    service_code = fields.String()
    service_name = fields.String()
    level = fields.Integer()
    level_label = fields.String()
    indicators = fields.Dict(keys=fields.String(), values=fields.Integer())
    comment = fields.String()
    status = fields.String()
    opened_at = fields.AwareDateTime()
    due_date = fields.Date()
    working_days_left = fields.Integer(allow_none=True)
    overdue = fields.Boolean()
    reply = fields.String()
    closed_by = fields.Nested(PersonRefSchema, allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)


class RectificationListSchema(Schema):
    items = fields.List(fields.Nested(RectificationSchema))
    next_cursor = fields.String(allow_none=True)


class RectificationCloseSchema(Schema):
    reply = text(2000, metadata={"description": "The department's answer; the citizen sees it on the case"})
