"""The service catalogue (办事指南): browse, read a guide, and (admins) publish services."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from api.auth import admin_only
from api.database import db
from api.i18n import language
from api.limits import EXPENSIVE
from api.rendered import department_key, json_body, json_response, rendered
from api.restx import decode_cursor, encode_cursor, load_args, load_body, model
from api.schemas.common import ProblemSchema
from api.schemas.rating import RatingSummarySchema
from api.schemas.service import (
    ActiveSchema,
    FormCheckResultSchema,
    FormCheckSchema,
    GuideSchema,
    ServiceDetailSchema,
    ServiceListArgsSchema,
    ServiceListSchema,
    ServiceSummarySchema,
)
from api.views import ratings_summary_view, service_detail, service_summary
from models.cases.forms import validate_form
from models.catalogue.catalogue_search import rank_services
from models.catalogue.service import (
    ACTIVE_SERVICE_ENTRY,
    GUIDE_DEFERRED,
    Service,
    catalogue_query,
    create_service,
    fetch_service,
    load_guides,
    set_service_active,
    update_service,
)
from models.pagination import BadCursor, SortKey, keyset_page
from models.rating import ratings_summary

ns = Namespace("services", description="Service catalogue (办事指南)")

SORT = [SortKey(Service.code, kind=str)]
SERVICE_SUMMARY = ServiceSummarySchema()


def _guide_key(kind: str, service: Service, lang: str) -> tuple:
    """Everything a service's catalogue entry or guide page is built from (see api/rendered.py)."""
    version = service.current_version
    return (kind, service.id, service.code, service.active, service.updated_at, version.id, version.number,
            version.created_at, department_key(service.department), lang)


def _ranked_page(services: list[Service], query: str, cursor: list | None, limit: int):
    """Keyword results come best first; their cursor is a position in that ranking."""
    if cursor is not None and not (len(cursor) == 1 and type(cursor[0]) is int and cursor[0] >= 0):
        raise BadCursor()
    start = cursor[0] if cursor else 0
    ranked = rank_services(services, query)
    rows = ranked[start:start + limit]
    return rows, ([start + limit] if start + limit < len(ranked) else None)


@ns.route("")
class ServiceList(Resource):
    @ns.doc(security=None, params={"q": "Keyword (Chinese or English)", "category": "G2C or G2B",
                                   "department": "Department code", "cursor": "From next_cursor",
                                   "limit": "1-100", "updated_since": "ISO 8601 with offset"})
    @ns.response(200, "Active services", model(ServiceListSchema))
    def get(self):
        args = load_args(ServiceListArgsSchema())
        stmt = catalogue_query(category=args["category"], department=args["department"])
        if args["updated_since"]:
            stmt = stmt.where(Service.updated_at > args["updated_since"])
        cursor = decode_cursor(args["cursor"])
        if args["q"]:
            rows, after = _ranked_page(list(db().scalars(stmt).unique()), args["q"], cursor, args["limit"])
            page = {"items": [service_summary(s) for s in rows], "next_cursor": encode_cursor(after)}
            return ServiceListSchema().dump(page)
        rows, after = keyset_page(db(), stmt.options(*GUIDE_DEFERRED), SORT, cursor, args["limit"],
                                  lambda s: [s.code])
        cache, lang = rendered(), language()
        keys = [_guide_key("summary", s, lang) for s in rows]
        if any(key not in cache for key in keys):
            load_guides(db(), rows)  # one statement for the page, not one per entry to build
        items = [cache.get(key, lambda s=s: SERVICE_SUMMARY.dump(service_summary(s)))
                 for key, s in zip(keys, rows, strict=True)]
        return json_response(json_body({"items": items, "next_cursor": encode_cursor(after)}))

    @ns.expect(model(GuideSchema))
    @ns.response(201, "Published", model(ServiceDetailSchema))
    @ns.response(422, "Invalid guide", model(ProblemSchema))
    @admin_only
    def post(self):
        guide = GuideSchema().dump(load_body(GuideSchema()))
        service = create_service(db(), guide)
        return ServiceDetailSchema().dump(service_detail(service)), 201


@ns.route("/<string:code>")
@ns.param("code", "Service code, e.g. YW-SCJG-001")
class ServiceItem(Resource):
    @ns.doc(security=None)
    @ns.response(200, "The guide in the caller's language", model(ServiceDetailSchema))
    @ns.response(404, "No such service", model(ProblemSchema))
    def get(self, code):
        service = fetch_service(db(), code, query=ACTIVE_SERVICE_ENTRY)
        body = rendered().get(_guide_key("detail", service, language()),
                              lambda: json_body(ServiceDetailSchema().dump(service_detail(service))))
        return json_response(body)

    @ns.expect(model(GuideSchema))
    @ns.response(200, "New version published", model(ServiceDetailSchema))
    @admin_only
    def put(self, code):
        guide = GuideSchema().dump(load_body(GuideSchema()))
        service = update_service(db(), fetch_service(db(), code, active_only=False), guide)
        return ServiceDetailSchema().dump(service_detail(service))


@ns.route("/<string:code>/source")
class ServiceSource(Resource):
    @ns.response(200, "The bilingual guide as published (for editing)", model(GuideSchema))
    @admin_only
    def get(self, code):
        return GuideSchema().dump(fetch_service(db(), code, active_only=False).guide)


@ns.route("/<string:code>/active")
class ServiceActive(Resource):
    @ns.expect(model(ActiveSchema))
    @ns.response(200, "Activated or deactivated", model(ServiceDetailSchema))
    @admin_only
    def put(self, code):
        active = load_body(ActiveSchema())["active"]
        service = set_service_active(db(), fetch_service(db(), code, active_only=False), active)
        return ServiceDetailSchema().dump(service_detail(service))


@ns.route("/<string:code>/validate")
class ServiceFormCheck(Resource):
    decorators = EXPENSIVE
    @ns.doc(security=None, description="Check some or all answers of the application form without "
            "submitting (used by the assistant to validate answers one by one).")
    @ns.expect(model(FormCheckSchema))
    @ns.response(200, "Valid", model(FormCheckResultSchema))
    @ns.response(422, "Field errors", model(ProblemSchema))
    def post(self, code):
        service = fetch_service(db(), code)
        form = load_body(FormCheckSchema())["form"]
        clean = validate_form(service.guide["form_fields"], form, partial=True)
        return FormCheckResultSchema().dump({"valid": True, "form": clean})


@ns.route("/<string:code>/ratings/summary")
class ServiceRatings(Resource):
    @ns.doc(security=None, description="Public and anonymous (好差评 results are published): how many ratings, "
            "the average level, the distribution by level and the indicator averages.")
    @ns.response(200, "The summary", model(RatingSummarySchema))
    @ns.response(404, "No such service", model(ProblemSchema))
    def get(self, code):
        service = fetch_service(db(), code)
        return RatingSummarySchema().dump(ratings_summary_view(service, ratings_summary(db(), service=service)))
