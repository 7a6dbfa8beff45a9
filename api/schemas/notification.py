"""Devices, the inbox and broadcasts (消息通知) as the app sees them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import REQUIRED, ListArgsSchema, text
from models.errors import N_
from models.languages import LANGUAGES
from models.notification import PLATFORMS, TOKEN_KINDS
from notifications.templates import BROADCAST_BODY_MAX_CHARS, TITLE_MAX_CHARS

CHOICE = N_("Choose one of the allowed values.")
REGION = validate.Regexp(r"^[0-9A-Za-z_-]{1,12}$", error=N_("Use a region code of 1 to 12 letters, digits, - or _."))


class DeviceRegisterSchema(Schema):
    token = text(512, metadata={"description": "The FCM registration token (or Firebase installation id)"})
    token_kind = fields.String(load_default="fcm_token", validate=validate.OneOf(TOKEN_KINDS, error=CHOICE))
    platform = fields.String(required=True, error_messages=REQUIRED, validate=validate.OneOf(PLATFORMS, error=CHOICE))
    language = fields.String(required=True, error_messages=REQUIRED, validate=validate.OneOf(LANGUAGES, error=CHOICE))
    app_version = fields.String(load_default=None, validate=validate.Length(max=32, error=N_("The text is too long.")))
    region = fields.String(load_default=None, allow_none=True, validate=REGION,
                           metadata={"description": "Administrative region code; the device then receives that "
                                                    "region's broadcasts. Omitted: unchanged (new devices: mine)."})


class DeviceSchema(Schema):
    token = fields.String()
    token_kind = fields.String()
    platform = fields.String()
    language = fields.String()
    app_version = fields.String()
    region = fields.String(allow_none=True)
    topic = fields.String(allow_none=True, metadata={"description": "The broadcast topic it should receive"})
    topic_subscribed = fields.Function(lambda d: d.topic is not None and d.topic == d.subscribed_topic)
    active = fields.Boolean(metadata={"description": "false once FCM rejected the token; register a new one"})
    deactivated_reason = fields.String(allow_none=True)
    last_seen_at = fields.AwareDateTime()
    created_at = fields.AwareDateTime()


class DeviceListSchema(Schema):
    items = fields.List(fields.Nested(DeviceSchema))


class NotificationInboxArgsSchema(ListArgsSchema):
    unread = fields.Boolean(load_default=False, metadata={"description": "true: only unread messages"})


class NotificationSchema(Schema):
    id = fields.Integer()
    event = fields.String(metadata={"example": "case_accepted"})
    case_no = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    title = fields.String()
    body = fields.String()
    data = fields.Dict(keys=fields.String(), values=fields.String())
    read = fields.Function(lambda n: n.read_at is not None)
    read_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


class InboxSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    next_cursor = fields.String(allow_none=True)
    unread_count = fields.Integer()


class ReadAllSchema(Schema):
    marked = fields.Integer(metadata={"description": "Messages marked read now"})
    unread_count = fields.Integer()


class BroadcastTitleSchema(Schema):
    zh = text(TITLE_MAX_CHARS)
    en = text(TITLE_MAX_CHARS)


class BroadcastBodySchema(Schema):
    zh = text(BROADCAST_BODY_MAX_CHARS)
    en = text(BROADCAST_BODY_MAX_CHARS)


class BroadcastCreateSchema(Schema):
    region = fields.String(required=True, error_messages=REQUIRED, validate=REGION)
    title = fields.Nested(BroadcastTitleSchema, required=True, error_messages=REQUIRED)
    body = fields.Nested(BroadcastBodySchema, required=True, error_messages=REQUIRED)


class BroadcastDeliverySchema(Schema):
    topic = fields.String()
    language = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    sent_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)


class BroadcastSchema(Schema):
    id = fields.Integer()
    region = fields.String()
    title = fields.Dict(keys=fields.String(), values=fields.String())
    body = fields.Dict(keys=fields.String(), values=fields.String())
    created_at = fields.AwareDateTime()


class AdminBroadcastSchema(BroadcastSchema):
    deliveries = fields.List(fields.Nested(BroadcastDeliverySchema))


class BroadcastListArgsSchema(ListArgsSchema):
    region = fields.String(load_default=None, validate=REGION)


class BroadcastListSchema(Schema):
    items = fields.List(fields.Nested(BroadcastSchema))
    next_cursor = fields.String(allow_none=True)
