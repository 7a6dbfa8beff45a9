"""The service guide (办事指南): the bilingual source admins edit, and the localized views."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.schemas.common import I18nTextSchema, ListArgsSchema, NameRefSchema, text
from models.cases.forms import FIELD_TYPES, UnsafePattern, compile_pattern
from models.catalogue.service import FOR_WHOM_CATEGORY, ServiceType
from models.errors import N_

CHANNELS = ("online", "window", "post", "mobile")
ONE_OF = N_("Choose one of the allowed values.")
TOO_LONG = N_("The text is too long.")
NUMBER_RANGE = N_("Use a number from {min} to {max}.")


def i18n(required: bool = True, **kwargs) -> fields.Nested:
    return fields.Nested(I18nTextSchema, required=required, **kwargs)


def items(schema, min_items: int = 0, max_items: int = 50, **kwargs) -> fields.List:
    inner = fields.Nested(schema) if isinstance(schema, type) else schema
    return fields.List(inner, validate=validate.Length(min=min_items, max=max_items,
                                                       error=N_("Give between {min} and {max} items.")), **kwargs)


class MaterialSchema(Schema):
    name = i18n()
    required = fields.Boolean(load_default=True)
    form = fields.String(load_default="original", validate=validate.OneOf(["original", "copy", "original_and_copy"], error=ONE_OF))
    copies = fields.Integer(load_default=1, validate=validate.Range(min=1, max=20, error=NUMBER_RANGE))
    electronic_accepted = fields.Boolean(load_default=True)
    source = fields.String(load_default="applicant", validate=validate.OneOf(["applicant", "government"], error=ONE_OF))
    note = i18n(required=False, allow_none=True, load_default=None)


class StepSchema(Schema):
    name = i18n()
    description = i18n(required=False, allow_none=True, load_default=None)
    days = fields.Integer(load_default=0, validate=validate.Range(min=0, max=365, error=NUMBER_RANGE))


class LegalBasisSchema(Schema):
    title = i18n()
    article = fields.String(load_default="", validate=validate.Length(max=100, error=TOO_LONG))
    text = i18n(required=False, allow_none=True, load_default=None)


class FeeSchema(Schema):
    free = fields.Boolean(required=True)
    amount = fields.Decimal(as_string=True, allow_none=True, load_default=None, places=2,
                            validate=validate.Range(min=0, error=N_("The amount cannot be negative.")))
    basis = i18n(required=False, allow_none=True, load_default=None)

    @validates_schema
    def _amount_when_charged(self, data, **_):
        if not data["free"] and data.get("amount") is None:
            raise ValidationError({"amount": [N_("Give the fee amount, or mark the service as free.")]})


class OfficeSchema(Schema):
    address = i18n()
    hours = i18n()


class FaqSchema(Schema):
    q = i18n()
    a = i18n()


class KeywordsSchema(Schema):
    zh = fields.List(fields.String(validate=validate.Length(min=1, max=50, error=N_("Use between 1 and {max} characters."))), load_default=list)
    en = fields.List(fields.String(validate=validate.Length(min=1, max=50, error=N_("Use between 1 and {max} characters."))), load_default=list)


class OptionSchema(Schema):
    value = text(64)
    label = i18n()


class FormFieldSchema(Schema):
    name = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$",
                         error=N_("Use lower-case letters, digits and underscores.")))
    label = i18n()
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES, error=ONE_OF))
    required = fields.Boolean(load_default=False)
    pattern = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300, error=TOO_LONG))
    options = items(OptionSchema, 1, 100, load_default=None, allow_none=True)
    help = i18n(required=False, allow_none=True, load_default=None)

    @validates_schema
    def _consistent(self, data, **_):
        errors = {}
        has_options = data["type"] in ("choice", "multichoice")
        if has_options and not data.get("options"):
            errors["options"] = [N_("Choice fields need a list of options.")]
        if not has_options and data.get("options"):
            errors["options"] = [N_("Only choice fields have options.")]
        if data.get("pattern"):
            if data["type"] != "string":
                errors["pattern"] = [N_("Only string fields have a pattern.")]
            else:
                try:
                    compile_pattern(data["pattern"])
                except UnsafePattern:
                    errors["pattern"] = [N_("This is not a valid regular expression, or it uses back-references or "
                                            "look-arounds, which patterns may not use (they run in linear time).")]
        if errors:
            raise ValidationError(errors)


class GuideSchema(Schema):
    """The bilingual guide an admin publishes; validated as a whole."""

    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Z0-9][A-Z0-9-]{2,39}$",
                         error=N_("Use 3 to 40 upper-case letters, digits and hyphens.")))
    name = i18n()
    type = fields.String(required=True, validate=validate.OneOf([t.value for t in ServiceType], error=ONE_OF))
    for_whom = fields.String(required=True, validate=validate.OneOf(list(FOR_WHOM_CATEGORY), error=ONE_OF))
    department = text(32)
    two_stage = fields.Boolean(load_default=False)
    summary = i18n()
    conditions = items(I18nTextSchema, 0, 30, load_default=list)
    materials = items(MaterialSchema, 0, 50, load_default=list)
    steps = items(StepSchema, 0, 20, load_default=list)
    legal_basis = items(LegalBasisSchema, 0, 20, load_default=list)
    statutory_days = fields.Integer(required=True, validate=validate.Range(min=0, max=365, error=NUMBER_RANGE))
    promised_days = fields.Integer(required=True, validate=validate.Range(min=0, max=365, error=NUMBER_RANGE))
    fee = fields.Nested(FeeSchema, required=True)
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS, error=ONE_OF)), required=True,
                           validate=validate.Length(min=1, error=N_("Give at least one channel.")))
    visits = fields.Integer(required=True, validate=validate.OneOf([0, 1, 2], error=ONE_OF))
    office = fields.Nested(OfficeSchema, required=True)
    enquiry_phone = text(32)
    complaint_phone = text(32)
    result = i18n(required=False, allow_none=True, load_default=None)
    faq = items(FaqSchema, 0, 30, load_default=list)
    keywords = fields.Nested(KeywordsSchema, load_default=lambda: {"zh": [], "en": []})
    form_fields = items(FormFieldSchema, 1, 30, required=True)

    @validates_schema
    def _consistent(self, data, **_):
        errors = {}
        if data.get("promised_days", 0) > data.get("statutory_days", 0):
            errors["promised_days"] = [N_("The promised time limit cannot exceed the statutory one.")]
        names = [f["name"] for f in data.get("form_fields") or []]
        if len(names) != len(set(names)):
            errors["form_fields"] = [N_("Form field names must be unique.")]
        if errors:
            raise ValidationError(errors)


class ServiceListArgsSchema(ListArgsSchema):
    q = fields.String(load_default=None, validate=validate.Length(max=100, error=TOO_LONG))
    category = fields.String(load_default=None, validate=validate.OneOf(["G2C", "G2B"], error=ONE_OF))
    department = fields.String(load_default=None, validate=validate.Length(max=32, error=N_("The text is too long.")))


class ServiceSummarySchema(Schema):
    """A compact catalogue entry for lists on small screens."""

    code = fields.String()
    name = fields.String()
    type = fields.String()
    type_label = fields.String()
    category = fields.String()
    for_whom = fields.String()
    department = fields.Nested(NameRefSchema)
    summary = fields.String()
    promised_days = fields.Integer()
    visits = fields.Integer()
    online = fields.Boolean()
    active = fields.Boolean()
    version = fields.Integer()
    updated_at = fields.AwareDateTime()


class ServiceListSchema(Schema):
    items = fields.List(fields.Nested(ServiceSummarySchema))
    next_cursor = fields.String(allow_none=True)


class LocalMaterialSchema(Schema):
    name = fields.String()
    required = fields.Boolean()
    form = fields.String()
    copies = fields.Integer()
    electronic_accepted = fields.Boolean()
    source = fields.String()
    note = fields.String(allow_none=True)


class LocalStepSchema(Schema):
    name = fields.String()
    description = fields.String(allow_none=True)
    days = fields.Integer()


class LocalLegalBasisSchema(Schema):
    title = fields.String()
    article = fields.String()
    text = fields.String(allow_none=True)


class LocalFeeSchema(Schema):
    free = fields.Boolean()
    amount = fields.String(allow_none=True)
    basis = fields.String(allow_none=True)


class LocalOfficeSchema(Schema):
    address = fields.String()
    hours = fields.String()


class LocalFaqSchema(Schema):
    q = fields.String()
    a = fields.String()


class LocalOptionSchema(Schema):
    value = fields.String()
    label = fields.String()


class LocalFormFieldSchema(Schema):
    name = fields.String()
    label = fields.String()
    type = fields.String()
    required = fields.Boolean()
    pattern = fields.String(allow_none=True)
    options = fields.List(fields.Nested(LocalOptionSchema), allow_none=True)
    help = fields.String(allow_none=True)


class ServiceDetailSchema(ServiceSummarySchema):
    """The whole guide in the caller's language."""

    two_stage = fields.Boolean()
    conditions = fields.List(fields.String())
    materials = fields.List(fields.Nested(LocalMaterialSchema))
    steps = fields.List(fields.Nested(LocalStepSchema))
    legal_basis = fields.List(fields.Nested(LocalLegalBasisSchema))
    statutory_days = fields.Integer()
    fee = fields.Nested(LocalFeeSchema)
    channels = fields.List(fields.String())
    office = fields.Nested(LocalOfficeSchema)
    enquiry_phone = fields.String()
    complaint_phone = fields.String()
    result = fields.String(allow_none=True)
    faq = fields.List(fields.Nested(LocalFaqSchema))
    keywords = fields.List(fields.String())
    form_fields = fields.List(fields.Nested(LocalFormFieldSchema))


class FormCheckSchema(Schema):
    form = fields.Dict(required=True, error_messages={"required": N_("This field is required."),
                                                      "invalid": N_("The form must be an object of field values.")})


class FormCheckResultSchema(Schema):
    valid = fields.Boolean()
    form = fields.Dict()


class ActiveSchema(Schema):
    active = fields.Boolean(required=True)
