"""The staff access log: the supervisor's query and the citizen's view of who opened their case."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.limits import MAX_ID
from api.schemas.common import NameRefSchema
from models.cases.access_log import REASONS
from models.errors import N_

REASON_DESCRIPTION = "inbox: listed in the inbox; detail: the case opened; download: a file downloaded"


class AccessLogArgsSchema(Schema):
    case_no = fields.String(load_default=None, validate=validate.Length(max=32, error=N_("The text is too long.")))
    user_id = fields.Integer(load_default=None, validate=validate.Range(
        min=1, max=MAX_ID, error=N_("Use a number from {min} to {max}.")))
    accessed_from = fields.AwareDateTime(data_key="from", load_default=None, error_messages={
        "invalid": N_("Use an ISO 8601 date-time with a time zone offset.")})
    accessed_to = fields.AwareDateTime(data_key="to", load_default=None, error_messages={
        "invalid": N_("Use an ISO 8601 date-time with a time zone offset.")})
    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(
        min=1, max=100, error=N_("Use a number from {min} to {max}.")))


class StaffRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    role = fields.String()


class AccessEntrySchema(Schema):
    id = fields.Integer()
    case_no = fields.String()
    accessed_at = fields.AwareDateTime()
    reason = fields.String(metadata={"enum": list(REASONS), "description": REASON_DESCRIPTION})
    attachment_id = fields.Integer(allow_none=True)
    staff = fields.Nested(StaffRefSchema)
    department = fields.Nested(NameRefSchema, allow_none=True)


class AccessLogSchema(Schema):
    items = fields.List(fields.Nested(AccessEntrySchema))
    next_cursor = fields.String(allow_none=True)


class CaseReaderSchema(Schema):
    """One read of my case by staff: when, why, their role and staff number, and their department (the
    timeline's rule holds: citizens never see staff names)."""

    accessed_at = fields.AwareDateTime()
    reason = fields.String(metadata={"enum": list(REASONS), "description": REASON_DESCRIPTION})
    reason_label = fields.String()
    staff_role = fields.String()
    staff_number = fields.Integer(metadata={"description": "Quote it to the department to ask about this read"})
    department = fields.Nested(NameRefSchema, allow_none=True)


class CaseReadersSchema(Schema):
    case_no = fields.String()
    items = fields.List(fields.Nested(CaseReaderSchema))
