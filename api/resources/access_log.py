"""The staff access log (个人信息访问记录): supervisors query their department's reads of personal data, and
citizens see who in which department opened their case."""

from __future__ import annotations

import datetime as dt

from flask_restx import Resource

from api.auth import citizen_only, roles_required, signed_in_user
from api.database import db
from api.i18n import language
from api.resources.cases import ns as cases_ns
from api.resources.office import ns as office_ns
from api.restx import decode_cursor, encode_cursor, load_args, model
from api.schemas.access_log import AccessLogArgsSchema, AccessLogSchema, CaseReadersSchema
from api.schemas.common import ProblemSchema
from api.views import department_ref
from models.accounts.user import Role
from models.cases.access_log import CaseAccess, access_log_query, accesses_to
from models.cases.casework import fetch_own_case
from models.pagination import SortKey, keyset_page

NEWEST_FIRST = [SortKey(CaseAccess.accessed_at, descending=True, kind=dt.datetime),
                SortKey(CaseAccess.id, descending=True)]
REASON_LABELS = {
    "inbox": {"zh": "在待办列表中查看", "en": "Listed in the inbox"},
    "detail": {"zh": "打开办件详情", "en": "Opened the case"},
    "download": {"zh": "下载材料", "en": "Downloaded a file"},
}
log_readers = roles_required(Role.SUPERVISOR, Role.ADMIN)


@office_ns.route("/access-log")
class AccessLog(Resource):
    @office_ns.doc(description="Who read which case's personal data, when and why (inbox, detail, download), newest "
                   "first: a supervisor sees the reads by their department's staff, an admin every read. The log is "
                   "append-only.", params={"case_no": "One case", "user_id": "One member of staff",
                                           "from": "ISO 8601 date-time", "to": "ISO 8601 date-time (exclusive)",
                                           "cursor": "From next_cursor", "limit": "1-100 (default 50)"})
    @office_ns.response(200, "Reads", model(AccessLogSchema))
    @office_ns.response(403, "Not a supervisor or admin", model(ProblemSchema))
    @log_readers
    def get(self):
        args = load_args(AccessLogArgsSchema())
        stmt = access_log_query(signed_in_user(), case_no=args["case_no"], user_id=args["user_id"],
                                accessed_from=args["accessed_from"], accessed_to=args["accessed_to"])
        rows, after = keyset_page(db(), stmt, NEWEST_FIRST, decode_cursor(args["cursor"]), args["limit"],
                                  lambda row: [row.accessed_at, row.id])
        items = [{"id": row.id, "case_no": row.case.case_no, "accessed_at": row.accessed_at, "reason": row.reason,
                  "attachment_id": row.attachment_id,
                  "staff": {"id": row.user.id, "name": row.user.name, "role": row.role},
                  "department": department_ref(row.department) if row.department else None} for row in rows]
        return AccessLogSchema().dump({"items": items, "next_cursor": encode_cursor(after)})


@cases_ns.route("/<string:case_no>/readers")
@cases_ns.param("case_no", "Case number, e.g. YW20261130000123")
class CaseReaders(Resource):
    @cases_ns.doc(description="Every time staff read my case's personal data: when, why, their role, staff "
                  "number and department, newest first (个人信息访问记录).")
    @cases_ns.response(200, "The reads", model(CaseReadersSchema))
    @cases_ns.response(404, "No such case of mine", model(ProblemSchema))
    @citizen_only
    def get(self, case_no):
        case = fetch_own_case(db(), signed_in_user(), case_no)
        lang = language()
        items = [{"accessed_at": row.accessed_at, "reason": row.reason, "reason_label": REASON_LABELS[row.reason][lang],
                  "staff_role": row.role, "staff_number": row.user_id,
                  "department": department_ref(row.department, lang) if row.department else None}
                 for row in accesses_to(db(), case)]
        return CaseReadersSchema().dump({"case_no": case.case_no, "items": items})
