"""The mobile office (移动办公): officers and supervisors handle their department's cases from a phone."""

from __future__ import annotations

import datetime as dt

from flask import request
from flask_restx import Namespace, Resource

from api.attachments import send_attachment, store_upload, uploaded_file
from api.auth import roles_required, signed_in_user, staff_only
from api.conditional import expose_version, idempotency_key, optional_version, required_version
from api.context import calendar
from api.database import db, separate_writer_session
from api.restx import decode_cursor, encode_cursor, load_args, load_body, load_form, model
from api.schemas.case import AttachmentSchema
from api.schemas.common import ProblemSchema
from api.schemas.office import (
    ActionSchema,
    AssignSchema,
    OfficeAttachmentSchema,
    OfficeCaseDetailSchema,
    OfficeCaseListSchema,
    OfficeInboxArgsSchema,
    OfficeUploadArgsSchema,
    RectificationCloseSchema,
    RectificationListArgsSchema,
    RectificationListSchema,
    RectificationSchema,
    StaffListSchema,
    StatsArgsSchema,
    StatsSchema,
)
from api.views import office_case_detail, office_case_item, rectification_view, staff_view, stats_view
from models.accounts.user import Role, User
from models.base import utcnow
from models.cases.access_log import record_access
from models.cases.case import Case
from models.cases.casework import (
    assign_case,
    claim_case,
    fetch_department_case,
    perform_action,
)
from models.cases.idempotency import request_fingerprint, run_once
from models.cases.office import (
    INBOX_ORDER,
    department_staff,
    inbox_query,
    inbox_sort_values,
    office_stats,
    stats_departments,
    stats_period,
)
from models.errors import N_, NotFound
from models.pagination import SortKey, keyset_page
from models.rating import Rectification, close_rectification, fetch_rectification, rectifications_query

ns = Namespace("office", description="Mobile office for officers and supervisors (移动办公)")
OFFICE_CASE_DETAIL, OFFICE_CASE_LIST = OfficeCaseDetailSchema(), OfficeCaseListSchema()

supervisor_only = roles_required(Role.SUPERVISOR)
stats_readers = roles_required(Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)
rectification_readers = roles_required(Role.SUPERVISOR, Role.ADMIN)
RECTIFICATION_ORDER = [SortKey(Rectification.due_date, kind=dt.date), SortKey(Rectification.id)]
IF_MATCH = {"in": "header", "type": "string", "description": 'The case\'s ETag, e.g. "v3" or "v3.1a2b"'}


def today() -> dt.date:
    return calendar().local_date(utcnow())


def log_reads(viewer: User, cases, reason: str, attachment_id: int | None = None) -> None:
    """Record in the staff access log that ``viewer`` read these cases' personal data, in a transaction of its
    own: a read request's session is a reader, which SQLite would not let write once another writer went first."""
    with separate_writer_session() as session:
        record_access(session, viewer, cases, reason, attachment_id=attachment_id)


def case_response(case: Case, *, replayed: bool = False):
    """The staff view of a case; its ETag (also on POST answers) is the If-Match for the next change."""
    expose_version(case.version)
    body = OFFICE_CASE_DETAIL.dump(office_case_detail(case, signed_in_user(), calendar()))
    if request.method == "GET":
        return body
    headers = {"ETag": f'"v{case.version}"'}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return body, 200, headers


@ns.route("/cases")
class Inbox(Resource):
    @ns.doc(id="get_office_inbox", description="My department's cases. Default: open cases, earliest due date first (overdue on "
            "top), then cases not yet accepted (no due date) by submission time.",
            params={"status": "A status, or open (default) / closed / all", "assigned": "me or unassigned",
                    "overdue": "true: only overdue cases", "due_within": "Working days left at most N",
                    "cursor": "From next_cursor", "limit": "1-100", "updated_since": "ISO 8601 with offset"})
    @ns.response(200, "Compact inbox rows", model(OfficeCaseListSchema))
    @ns.response(403, "Not an officer or supervisor", model(ProblemSchema))
    @staff_only
    def get(self):
        args = load_args(OfficeInboxArgsSchema())
        user = signed_in_user()
        stmt = inbox_query(user, calendar=calendar(), today=today(), status=args["status"],
                           assigned=args["assigned"], overdue=args["overdue"], due_within=args["due_within"],
                           updated_since=args["updated_since"])
        rows, after = keyset_page(db(), stmt, INBOX_ORDER, decode_cursor(args["cursor"]), args["limit"],
                                  inbox_sort_values)
        items = [office_case_item(case, user, calendar()) for case in rows]
        page = OFFICE_CASE_LIST.dump({"items": items, "next_cursor": encode_cursor(after)})
        log_reads(user, rows, "inbox")
        return page


@ns.route("/cases/<string:case_no>")
@ns.param("case_no", "Case number, e.g. YW20261130000123")
class OfficeCase(Resource):
    @ns.response(200, "The whole case with internal notes and files; the ETag carries its version",
                 model(OfficeCaseDetailSchema))
    @ns.response(404, "No such case in my department", model(ProblemSchema))
    @staff_only
    def get(self, case_no):
        case = fetch_department_case(db(), signed_in_user(), case_no)
        response = case_response(case)
        log_reads(signed_in_user(), [case], "detail")
        return response


@ns.route("/cases/<string:case_no>/claim")
class CaseClaim(Resource):
    @ns.doc(description="Take an unassigned open case. If-Match is checked when sent.",
            params={"If-Match": IF_MATCH})
    @ns.response(200, "Claimed (or already mine)", model(OfficeCaseDetailSchema))
    @ns.response(409, "Assigned to someone else, or closed", model(ProblemSchema))
    @staff_only
    def post(self, case_no):
        user, session = signed_in_user(), db()
        case = fetch_department_case(session, user, case_no)
        claim_case(session, case, user, expected_version=optional_version())
        return case_response(case)


@ns.route("/cases/<string:case_no>/assign")
class CaseAssign(Resource):
    @ns.doc(description="A supervisor gives the case to a colleague of the department (see GET /office/staff). "
            "If-Match is checked when sent.", params={"If-Match": IF_MATCH})
    @ns.expect(model(AssignSchema))
    @ns.response(200, "Assigned", model(OfficeCaseDetailSchema))
    @ns.response(403, "Not a supervisor", model(ProblemSchema))
    @supervisor_only
    def post(self, case_no):
        user, session = signed_in_user(), db()
        case = fetch_department_case(session, user, case_no)
        data = load_body(AssignSchema())
        assign_case(session, case, user, session.get(User, data["officer_id"]),
                    expected_version=optional_version(), internal_note=data["internal_note"])
        return case_response(case)


@ns.route("/cases/<string:case_no>/actions")
class CaseAction(Resource):
    @ns.doc(description="Take a workflow action (see allowed_actions). If-Match is required: 428 without it, "
            "412 when it is not the current ETag (the case changed meanwhile); * matches any version. An Idempotency-Key makes a replayed request (an action "
            "queued offline) return the result instead of acting twice.",
            params={"If-Match": {**IF_MATCH, "required": True},
                    "Idempotency-Key": {"in": "header", "type": "string", "description": "1-128 ASCII characters"}})
    @ns.expect(model(ActionSchema))
    @ns.response(200, "The updated case", model(OfficeCaseDetailSchema))
    @ns.response(403, "Not allowed to me (role, assignment, separation of duties)", model(ProblemSchema))
    @ns.response(409, "Not allowed in the case's status", model(ProblemSchema))
    @ns.response(412, "The case changed since it was loaded", model(ProblemSchema))
    @ns.response(428, "If-Match missing", model(ProblemSchema))
    @staff_only
    def post(self, case_no):
        user, session = signed_in_user(), db()
        key = idempotency_key()
        data = load_body(ActionSchema())
        case = fetch_department_case(session, user, case_no)
        version = required_version()

        def act() -> Case:
            perform_action(session, case, user, data["action"], calendar=calendar(), expected_version=version,
                           public_note=data["public_note"], internal_note=data["internal_note"],
                           missing_materials=data["missing_materials"])
            return case

        outcome = run_once(session, user_id=user.id, scope=f"case:{case_no}:action", key=key,
                           request_hash=request_fingerprint(data), status_code=200, operation=act)
        return case_response(outcome.case, replayed=outcome.replayed)


@ns.route("/cases/<string:case_no>/attachments")
class FieldAttachments(Resource):
    @ns.doc(consumes=["multipart/form-data"], description="A photo or document taken in the field.", params={
        "file": {"in": "formData", "type": "file", "required": True, "description": "JPEG, PNG or PDF, ≤ 10 MB"},
        "visibility": {"in": "formData", "type": "string", "enum": ["internal", "public"],
                       "description": "internal (default): staff only; public: the citizen sees it too"},
    })
    @ns.response(201, "Stored", model(OfficeAttachmentSchema))
    @ns.response(413, "Too large", model(ProblemSchema))
    @ns.response(415, "Not JPEG, PNG or PDF", model(ProblemSchema))
    @staff_only
    def post(self, case_no):
        user, session = signed_in_user(), db()
        case = fetch_department_case(session, user, case_no)
        upload = uploaded_file()
        visibility = load_form(OfficeUploadArgsSchema())["visibility"]
        attachment = store_upload(session, case, user, upload, visibility=visibility)
        return {**AttachmentSchema().dump(attachment), "case_version": case.version}, 201


@ns.route("/cases/<string:case_no>/attachments/<int:attachment_id>")
class FieldAttachmentFile(Resource):
    @ns.response(200, "The file (internal ones included)")
    @staff_only
    def get(self, case_no, attachment_id):
        case = fetch_department_case(db(), signed_in_user(), case_no)
        response = send_attachment(db(), case, attachment_id, internal=True)
        log_reads(signed_in_user(), [case], "download", attachment_id=attachment_id)
        return response


@ns.route("/staff")
class DepartmentStaff(Resource):
    @ns.doc(description="Officers and supervisors of my department with their open cases (to assign).")
    @ns.response(200, "Colleagues", model(StaffListSchema))
    @staff_only
    def get(self):
        rows = department_staff(db(), signed_in_user().department_id)
        return StaffListSchema().dump({"items": [staff_view(user, count) for user, count in rows]})


@ns.route("/stats")
class OfficeStats(Resource):
    @ns.doc(description="Per department and per service: open and overdue now; closed, average working days "
            "to close, on-time rate and ratings in the period [from, to] (default: this month so far). "
            "Officers and supervisors see their department, admins every department.",
            params={"from": "YYYY-MM-DD", "to": "YYYY-MM-DD", "department": "Department code (admins)"})
    @ns.response(200, "Figures", model(StatsSchema))
    @stats_readers
    def get(self):
        args = load_args(StatsArgsSchema())
        user, now = signed_in_user(), utcnow()
        day = calendar().local_date(now)
        date_from, date_to = stats_period(args["date_from"], args["date_to"], day)
        departments = stats_departments(db(), user, args["department"])
        if args["department"] and [d.code for d in departments] != [args["department"]]:
            raise NotFound(N_("There is no department with the code '{code}'."), code=args["department"])
        rows = office_stats(db(), departments, date_from=date_from, date_to=date_to, calendar=calendar(), now=now)
        return StatsSchema().dump(stats_view(rows, date_from, date_to, day))


@ns.route("/rectifications")
class Rectifications(Resource):
    @ns.doc(description="Rectification items (差评整改) opened by ratings of 1 or 2, earliest due first.",
            params={"status": "open (default), closed or all", "cursor": "From next_cursor", "limit": "1-100"})
    @ns.response(200, "Items", model(RectificationListSchema))
    @rectification_readers
    def get(self):
        args = load_args(RectificationListArgsSchema())
        stmt = rectifications_query(signed_in_user(), args["status"])
        rows, after = keyset_page(db(), stmt, RECTIFICATION_ORDER, decode_cursor(args["cursor"]), args["limit"],
                                  lambda item: [item.due_date, item.id])
        day = today()
        items = [rectification_view(item, calendar(), day) for item in rows]
        return RectificationListSchema().dump({"items": items, "next_cursor": encode_cursor(after)})


@ns.route("/rectifications/<int:item_id>/close")
class RectificationClose(Resource):
    @ns.expect(model(RectificationCloseSchema))
    @ns.response(200, "Closed; the citizen sees the reply on the case", model(RectificationSchema))
    @ns.response(409, "Already closed", model(ProblemSchema))
    @supervisor_only
    def post(self, item_id):
        user, session = signed_in_user(), db()
        item = fetch_rectification(session, user, item_id)
        reply = load_body(RectificationCloseSchema())["reply"]
        close_rectification(session, item, user, reply=reply)
        return RectificationSchema().dump(rectification_view(item, calendar(), today()))
