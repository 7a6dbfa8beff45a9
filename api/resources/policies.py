"""Published policies (政务公开): read, search with cited passages, and (admins) publish and repeal."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from api.auth import admin_only, optional_user
from api.context import policy_search
from api.database import db
from api.limits import EXPENSIVE
from api.rendered import json_body, json_response, rendered
from api.restx import decode_cursor, encode_cursor, load_args, load_body, model
from api.schemas.common import ProblemSchema
from api.schemas.policy import (
    PolicyDetailSchema,
    PolicyInputSchema,
    PolicyListArgsSchema,
    PolicyListSchema,
    PolicySearchArgsSchema,
    PolicySearchResultSchema,
    PolicyUpdateSchema,
)
from models.accounts.user import Role
from models.pagination import keyset_page
from models.policies.policy import (
    NEWEST_FIRST,
    create_policy,
    fetch_policy,
    fetch_policy_page,
    policies_query,
    publish_policy,
    repeal_policy,
    update_policy,
    visible_policy_revision,
)

ns = Namespace("policies", description="Published policies and policy search (政务公开)")
POLICY_DETAIL = PolicyDetailSchema()

def _is_admin() -> bool:
    user = optional_user()
    return user is not None and user.role is Role.ADMIN


@ns.route("")
class PolicyList(Resource):
    @ns.doc(security=None, params={"status": "published, repealed (admins: also draft)", "category": "",
                                   "cursor": "From next_cursor", "limit": "1-100", "updated_since": "ISO 8601"})
    @ns.response(200, "Policies, most recently changed first", model(PolicyListSchema))
    def get(self):
        args = load_args(PolicyListArgsSchema())
        stmt = policies_query(admin=_is_admin(), status=args["status"], category=args["category"],
                              updated_since=args["updated_since"])
        rows, after = keyset_page(db(), stmt, NEWEST_FIRST, decode_cursor(args["cursor"]), args["limit"],
                                  lambda p: [p.updated_at, p.id])
        return PolicyListSchema().dump({"items": rows, "next_cursor": encode_cursor(after)})

    @ns.expect(model(PolicyInputSchema))
    @ns.response(201, "Created (a draft unless publish is true)", model(PolicyDetailSchema))
    @admin_only
    def post(self):
        data = load_body(PolicyInputSchema())
        publish = data.pop("publish")
        policy = create_policy(db(), data, publish=publish)
        return PolicyDetailSchema().dump(policy), 201


@ns.route("/search")
class PolicySearchResource(Resource):
    decorators = EXPENSIVE
    @ns.doc(security=None, params={"q": "The question, in Chinese or English", "k": "How many passages (1-20)"})
    @ns.response(200, "Ranked passages with their source; abstained when nothing is relevant enough",
                 model(PolicySearchResultSchema))
    @ns.response(422, "No question", model(ProblemSchema))
    def get(self):
        args = load_args(PolicySearchArgsSchema())
        results = policy_search().search(db(), args["q"], args["k"])
        return PolicySearchResultSchema().dump(
            {"query": args["q"], "abstained": results.abstained, "items": results.items}
        )


@ns.route("/<int:policy_id>")
class PolicyItem(Resource):
    @ns.doc(security=None)
    @ns.response(200, "The whole document with its passages", model(PolicyDetailSchema))
    @ns.response(404, "No such policy", model(ProblemSchema))
    def get(self, policy_id):
        session = db()
        revision = visible_policy_revision(session, policy_id, admin=_is_admin())
        body = rendered().get(("policy", policy_id, *revision),
                              lambda: json_body(POLICY_DETAIL.dump(fetch_policy_page(session, policy_id))))
        return json_response(body)

    @ns.expect(model(PolicyUpdateSchema))
    @ns.response(200, "Updated", model(PolicyDetailSchema))
    @admin_only
    def put(self, policy_id):
        policy = update_policy(db(), fetch_policy(db(), policy_id), load_body(PolicyUpdateSchema()))
        return PolicyDetailSchema().dump(policy)


@ns.route("/<int:policy_id>/publish")
class PolicyPublish(Resource):
    @ns.response(200, "Published: searchable from now on", model(PolicyDetailSchema))
    @admin_only
    def post(self, policy_id):
        policy = publish_policy(db(), fetch_policy(db(), policy_id))
        return PolicyDetailSchema().dump(policy)


@ns.route("/<int:policy_id>/repeal")
class PolicyRepeal(Resource):
    @ns.response(200, "Repealed (废止): out of search, still readable", model(PolicyDetailSchema))
    @admin_only
    def post(self, policy_id):
        policy = repeal_policy(db(), fetch_policy(db(), policy_id))
        return PolicyDetailSchema().dump(policy)
