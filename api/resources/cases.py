"""A citizen's applications (办件): submit, follow, add materials, withdraw."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from api.attachments import send_attachment, store_upload, uploaded_file
from api.auth import citizen_only, signed_in_user
from api.conditional import expose_version, idempotency_key, optional_version
from api.context import calendar
from api.database import db
from api.restx import decode_cursor, encode_cursor, load_args, load_body, load_form, model
from api.schemas.case import (
    AttachmentSchema,
    CaseCreateSchema,
    CaseDetailSchema,
    CaseListArgsSchema,
    CaseListSchema,
    ResubmitSchema,
    UploadArgsSchema,
)
from api.schemas.common import ProblemSchema
from api.schemas.rating import RatingCreateSchema, RatingSchema
from api.views import case_detail, case_summary, rating_view
from models.cases.case import Case
from models.cases.casework import (
    NEWEST_FIRST,
    fetch_own_case,
    own_cases_query,
    perform_action,
    resolve_material,
    resubmit_case,
    submit_case,
)
from models.cases.idempotency import request_fingerprint, run_once
from models.catalogue.service import fetch_service
from models.errors import N_, NotFound
from models.pagination import keyset_page
from models.rating import rate_case, rating_of

ns = Namespace("cases", description="My applications (我的办件)")
CASE_DETAIL, CASE_LIST = CaseDetailSchema(), CaseListSchema()  # built once: a schema costs more to make than to use



def detail_response(case: Case, status: int = 200, headers: dict | None = None):
    """The citizen's view of a case; its ETag carries the case version for If-Match."""
    expose_version(case.version)
    body = CASE_DETAIL.dump(case_detail(case, signed_in_user(), calendar()))
    if status != 200:
        headers = {**(headers or {}), "ETag": f'"v{case.version}"'}
    return body, status, headers or {}


@ns.route("")
class CaseList(Resource):
    @ns.doc(params={"status": "A status, or open / closed", "cursor": "From next_cursor", "limit": "1-100",
                    "updated_since": "ISO 8601 with offset"})
    @ns.response(200, "My cases, newest first", model(CaseListSchema))
    @citizen_only
    def get(self):
        args = load_args(CaseListArgsSchema())
        stmt = own_cases_query(signed_in_user(), status=args["status"], updated_since=args["updated_since"])
        rows, after = keyset_page(db(), stmt, NEWEST_FIRST, decode_cursor(args["cursor"]), args["limit"],
                                  lambda c: [c.submitted_at, c.id])
        page = {"items": [case_summary(c, calendar()) for c in rows], "next_cursor": encode_cursor(after)}
        return CASE_LIST.dump(page)

    @ns.doc(params={"Idempotency-Key": {"in": "header", "description": "Retries with the same key return "
                                        "the same case", "type": "string"}})
    @ns.expect(model(CaseCreateSchema))
    @ns.response(201, "Submitted", model(CaseDetailSchema))
    @ns.response(422, "Field errors (all at once)", model(ProblemSchema))
    @citizen_only
    def post(self):
        key = idempotency_key()
        data = load_body(CaseCreateSchema())
        user = signed_in_user()
        session = db()

        def submit() -> Case:
            service = fetch_service(session, data["service_code"])
            return submit_case(session, user, service, data["form"], calendar=calendar())

        outcome = run_once(session, user_id=user.id, scope="cases.create", key=key,
                           request_hash=request_fingerprint(data), status_code=201, operation=submit)
        headers = {"Location": f"/api/v1/cases/{outcome.case.case_no}"}
        if outcome.replayed:
            headers["Idempotent-Replayed"] = "true"
        return detail_response(outcome.case, outcome.status_code, headers)


@ns.route("/<string:case_no>")
@ns.param("case_no", "Case number, e.g. YW20261130000123")
class CaseItem(Resource):
    @ns.response(200, "The case with its materials and public timeline", model(CaseDetailSchema))
    @ns.response(404, "No such case of mine", model(ProblemSchema))
    @citizen_only
    def get(self, case_no):
        return detail_response(fetch_own_case(db(), signed_in_user(), case_no))


@ns.route("/<string:case_no>/withdraw")
class CaseWithdraw(Resource):
    @ns.doc(description="Withdraw until the case is accepted. If-Match (the case's ETag) is checked when sent.")
    @ns.response(200, "Withdrawn", model(CaseDetailSchema))
    @ns.response(409, "Too late to withdraw", model(ProblemSchema))
    @citizen_only
    def post(self, case_no):
        user = signed_in_user()
        case = fetch_own_case(db(), user, case_no)
        perform_action(db(), case, user, "withdraw", calendar=calendar(), expected_version=optional_version())
        return detail_response(case)


@ns.route("/<string:case_no>/resubmit")
class CaseResubmit(Resource):
    @ns.doc(description="Answer a supplement request (补正): the form fields that change and/or files uploaded "
            "before (POST .../attachments). The time limit runs again. If-Match is checked when sent.")
    @ns.expect(model(ResubmitSchema))
    @ns.response(200, "Back with the department", model(CaseDetailSchema))
    @ns.response(409, "No supplement was requested", model(ProblemSchema))
    @ns.response(422, "Field errors, or nothing changed", model(ProblemSchema))
    @citizen_only
    def post(self, case_no):
        user, session = signed_in_user(), db()
        case = fetch_own_case(session, user, case_no)
        data = load_body(ResubmitSchema())
        resubmit_case(session, case, user, form=data["form"], attachment_ids=data["attachment_ids"],
                      note=data["note"], calendar=calendar(), expected_version=optional_version())
        return detail_response(case)


@ns.route("/<string:case_no>/rating")
class CaseRating(Resource):
    @ns.response(200, "My rating, with the department's rectification reply if any", model(RatingSchema))
    @ns.response(404, "Not rated (or no such case of mine)", model(ProblemSchema))
    @citizen_only
    def get(self, case_no):
        session = db()
        rating = rating_of(fetch_own_case(session, signed_in_user(), case_no))
        if rating is None:
            raise NotFound(N_("This case has not been rated yet."))
        return RatingSchema().dump(rating_view(rating))

    @ns.doc(description="Rate a decided case once (一事一评): level 1 非常不满意 … 5 非常满意, optional "
            "indicator scores and a comment. A rating of 1 or 2 opens a rectification for the department.")
    @ns.expect(model(RatingCreateSchema))
    @ns.response(201, "Rated", model(RatingSchema))
    @ns.response(409, "Already rated, or not decided yet", model(ProblemSchema))
    @citizen_only
    def post(self, case_no):
        user, session = signed_in_user(), db()
        case = fetch_own_case(session, user, case_no)
        data = load_body(RatingCreateSchema())
        rating = rate_case(session, case, user, level=data["level"], indicators=data["indicators"],
                           comment=data["comment"], calendar=calendar())
        return RatingSchema().dump(rating_view(rating)), 201, {"Location": f"/api/v1/cases/{case_no}/rating"}


@ns.route("/<string:case_no>/attachments")
class CaseAttachments(Resource):
    @ns.doc(consumes=["multipart/form-data"], params={
        "file": {"in": "formData", "type": "file", "required": True, "description": "JPEG, PNG or PDF, ≤ 10 MB"},
        "material": {"in": "formData", "type": "string", "description": "Which material: its name or number"},
    })
    @ns.response(201, "Stored", model(AttachmentSchema))
    @ns.response(413, "Too large", model(ProblemSchema))
    @ns.response(415, "Not JPEG, PNG or PDF", model(ProblemSchema))
    @citizen_only
    def post(self, case_no):
        user = signed_in_user()
        case = fetch_own_case(db(), user, case_no)
        upload = uploaded_file()
        material = resolve_material(case, load_form(UploadArgsSchema())["material"])
        attachment = store_upload(db(), case, user, upload, material=material)
        return AttachmentSchema().dump(attachment), 201


@ns.route("/<string:case_no>/attachments/<int:attachment_id>")
class CaseAttachmentFile(Resource):
    @ns.response(200, "The file")
    @citizen_only
    def get(self, case_no, attachment_id):
        case = fetch_own_case(db(), signed_in_user(), case_no)
        return send_attachment(db(), case, attachment_id, internal=False)
