"""Emergency broadcasts (应急广播): admins send a notice to a region; everyone can read them."""

from __future__ import annotations

import datetime as dt

from flask_restx import Namespace, Resource

from api.auth import admin_only, signed_in_user
from api.database import db
from api.restx import decode_cursor, encode_cursor, load_args, load_body, model
from api.schemas.common import ProblemSchema
from api.schemas.notification import (
    AdminBroadcastSchema,
    BroadcastCreateSchema,
    BroadcastListArgsSchema,
    BroadcastListSchema,
    BroadcastSchema,
)
from models.notification import Broadcast, broadcasts_query, fetch_broadcast
from models.pagination import SortKey, keyset_page
from notifications.outbox import create_broadcast

ns = Namespace("broadcasts", description="Emergency notices (应急广播)")
admin_ns = Namespace("admin-broadcasts", description="Sending emergency notices (admins)")

NEWEST_FIRST = [SortKey(Broadcast.created_at, descending=True, kind=dt.datetime), SortKey(Broadcast.id, descending=True)]


@ns.route("")
class Broadcasts(Resource):
    @ns.doc(security=None, params={"region": "Only this region's notices", "cursor": "From next_cursor",
                                   "limit": "1-100", "updated_since": "Only notices sent after this time"})
    @ns.response(200, "Notices, newest first", model(BroadcastListSchema))
    def get(self):
        args = load_args(BroadcastListArgsSchema())
        stmt = broadcasts_query(args["region"])
        if args["updated_since"] is not None:
            stmt = stmt.where(Broadcast.created_at > args["updated_since"])
        rows, after = keyset_page(db(), stmt, NEWEST_FIRST, decode_cursor(args["cursor"]), args["limit"],
                                  lambda b: [b.created_at, b.id])
        return BroadcastListSchema().dump({"items": rows, "next_cursor": encode_cursor(after)})


@ns.route("/<int:broadcast_id>")
@ns.param("broadcast_id", "The notice's id (data.broadcast_id of its push)")
class OneBroadcast(Resource):
    @ns.doc(security=None)
    @ns.response(200, "The notice in Chinese and English", model(BroadcastSchema))
    @ns.response(404, "No such notice", model(ProblemSchema))
    def get(self, broadcast_id):
        return BroadcastSchema().dump(fetch_broadcast(db(), broadcast_id))


@admin_ns.route("")
class SendBroadcast(Resource):
    @admin_ns.doc(description="Send an emergency notice to every device of a region: an urgent FCM topic "
                  "message to region-<code> (Chinese) and region-<code>-en (English), sent by the dispatcher "
                  "within moments. The answer shows the deliveries' state; GET /admin/broadcasts/{id} follows it.")
    @admin_ns.expect(model(BroadcastCreateSchema))
    @admin_ns.response(201, "Stored and queued", model(AdminBroadcastSchema))
    @admin_ns.response(403, "Not an admin", model(ProblemSchema))
    @admin_only
    def post(self):
        data = load_body(BroadcastCreateSchema())
        session = db()
        broadcast = create_broadcast(session, signed_in_user(), **data)
        return AdminBroadcastSchema().dump(broadcast), 201


@admin_ns.route("/<int:broadcast_id>")
@admin_ns.param("broadcast_id", "The notice's id")
class BroadcastState(Resource):
    @admin_ns.response(200, "The notice and the state of its topic messages", model(AdminBroadcastSchema))
    @admin_ns.response(404, "No such notice", model(ProblemSchema))
    @admin_only
    def get(self, broadcast_id):
        return AdminBroadcastSchema().dump(fetch_broadcast(db(), broadcast_id))
