"""Accounts: registration, sign-in, tokens and the signed-in user."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.i18n import language as current_language
from api.schemas.common import REQUIRED, text
from models.errors import N_
from models.languages import localize


class RegisterSchema(Schema):
    phone = text(20, metadata={"example": "13800000003"})
    password = fields.String(required=True, load_only=True, error_messages=REQUIRED,
                             validate=validate.Length(max=128, error=N_("The text is too long.")))
    name = text(100)
    id_number = fields.String(load_default=None, validate=validate.Length(max=32, error=N_("The text is too long.")),
                              metadata={"description": "Resident ID number (optional real-name data)"})
    language = fields.String(load_default="zh", validate=validate.OneOf(["zh", "en"], error=N_("Choose one of the allowed values.")))


class LoginSchema(Schema):
    phone = text(20)
    password = fields.String(required=True, load_only=True, error_messages=REQUIRED,
                             validate=validate.Length(max=128, error=N_("The text is too long.")))


class UserSchema(Schema):
    id = fields.Integer()
    phone = fields.String()
    name = fields.String()
    role = fields.Function(lambda user: user.role.value)
    department = fields.Method("_department", allow_none=True)
    id_number_masked = fields.String(allow_none=True, metadata={"example": "110***********123X"})
    real_name_verified = fields.Boolean()
    language = fields.String()
    created_at = fields.AwareDateTime()

    def _department(self, user):
        if user.department is None:
            return None
        return {"code": user.department.code, "name": localize(user.department.name, current_language())}


class TokensSchema(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    user = fields.Nested(UserSchema)


class UpdateMeSchema(Schema):
    name = text(100, required=False)
    language = fields.String(validate=validate.OneOf(["zh", "en"], error=N_("Choose one of the allowed values.")))
