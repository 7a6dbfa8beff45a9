"""My inbox (消息中心): every notification also pushed to my devices, kept here so none depends on a push."""

from __future__ import annotations

import datetime as dt

from flask_restx import Namespace, Resource

from api.auth import signed_in, signed_in_user
from api.database import db
from api.restx import decode_cursor, encode_cursor, load_args, model
from api.schemas.common import ProblemSchema
from api.schemas.notification import (
    InboxSchema,
    NotificationInboxArgsSchema,
    NotificationSchema,
    ReadAllSchema,
)
from models.notification import Notification, inbox_query, mark_all_read, mark_read, unread_count
from models.pagination import SortKey, keyset_page

ns = Namespace("notifications", description="My inbox (消息中心)")
INBOX = InboxSchema()

NEWEST_FIRST = [SortKey(Notification.created_at, descending=True, kind=dt.datetime),
                SortKey(Notification.id, descending=True)]


@ns.route("")
class Inbox(Resource):
    @ns.doc(params={"unread": "true: only unread messages", "cursor": "From next_cursor", "limit": "1-100",
                    "updated_since": "Only messages created after this ISO 8601 time (with offset)"})
    @ns.response(200, "My messages, newest first, and how many are unread", model(InboxSchema))
    @signed_in
    def get(self):
        args = load_args(NotificationInboxArgsSchema())
        user, session = signed_in_user(), db()
        stmt = inbox_query(user, unread_only=args["unread"], created_since=args["updated_since"])
        rows, after = keyset_page(session, stmt, NEWEST_FIRST, decode_cursor(args["cursor"]), args["limit"],
                                  lambda n: [n.created_at, n.id])
        return INBOX.dump({"items": rows, "next_cursor": encode_cursor(after),
                                   "unread_count": unread_count(session, user)})


@ns.route("/<int:notification_id>/read")
@ns.param("notification_id", "The message's id")
class ReadOne(Resource):
    @ns.response(200, "Marked read (already read: unchanged)", model(NotificationSchema))
    @ns.response(404, "Not one of my messages", model(ProblemSchema))
    @signed_in
    def post(self, notification_id):
        session = db()
        notification = mark_read(session, signed_in_user(), notification_id)
        return NotificationSchema().dump(notification)


@ns.route("/read-all")
class ReadAll(Resource):
    @ns.response(200, "Every message marked read", model(ReadAllSchema))
    @signed_in
    def post(self):
        session, user = db(), signed_in_user()
        marked = mark_all_read(session, user)
        return ReadAllSchema().dump({"marked": marked, "unread_count": unread_count(session, user)})
