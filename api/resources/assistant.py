"""The assistant's retrieval fallback (``GET /assistant/answer``), and the review list of what it could not
answer (``GET /admin/assistant/misses``, admins only). Chat feedback is ``POST /chat/feedback`` (chat.py)."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_restx import Namespace, Resource

from api.auth import admin_only
from api.database import db
from api.i18n import language
from api.limits import EXPENSIVE
from api.restx import decode_cursor, encode_cursor, load_args, model
from api.schemas.assistant import AnswerArgsSchema, AnswerSchema, MissListArgsSchema, MissListSchema
from api.schemas.common import ProblemSchema
from models.assistant import Answer, Assistant
from models.assistant.misses import grouped_misses
from models.base import utcnow
from models.languages import localize
from models.pagination import BadCursor

ns = Namespace("assistant", description="The assistant's answers from the catalogue and the policies (检索兜底)")
admin_ns = Namespace("admin-assistant", description="What the assistant could not answer (admins)")


def assistant() -> Assistant:
    return current_app.extensions["yiwang.assistant"]


def answer_view(answer: Answer, query: str, lang: str) -> dict:
    def refs(services):
        return [{"code": s.code, "name": localize(s.name, lang)} for s in services]

    return {
        "query": query,
        "language": lang,
        "outcome": answer.outcome.value,
        "services": refs(answer.services),
        "life_event": None if answer.life_event is None else {
            "name": localize(answer.life_event, lang),
            "steps": [{"services": refs(step.services), "note": localize(step.note, lang)} for step in answer.steps],
        },
        "policy": None if answer.policy is None else {
            "text": answer.policy.text, "more": answer.policy.more, "source": answer.policy.source,
            "title": answer.policy.title, "heading_path": answer.policy.heading_path,
            "policy_id": answer.policy.policy_id,
        },
    }


@ns.route("/answer")
class AssistantAnswer(Resource):
    decorators = EXPENSIVE

    @ns.doc(security=None, params={"q": "The citizen's message, as typed", "lang": "zh or en (else Accept-Language)",
                                   "scope": "all (default) or policy"})
    @ns.response(200, "One outcome: service, choices, life_event, policy (extractive, cited), handover or abstain",
                 model(AnswerSchema))
    @ns.response(422, "No question", model(ProblemSchema))
    def get(self):
        args = load_args(AnswerArgsSchema())
        answer = assistant().answer(db(), args["q"], policy_only=args["scope"] == "policy")
        return AnswerSchema().dump(answer_view(answer, args["q"], language()))


@admin_ns.route("/misses")
class AssistantMisses(Resource):
    @admin_ns.doc(params={"order": "recent (newest group first) or count (largest first)",
                          "days": "How far back (1-366, default 30)", "cursor": "From next_cursor", "limit": "1-100"})
    @admin_ns.response(200, "Questions the assistant could not answer, grouped by similar question",
                       model(MissListSchema))
    @admin_only
    def get(self):
        args = load_args(MissListArgsSchema())
        cursor = decode_cursor(args["cursor"])
        if cursor is not None and not (len(cursor) == 1 and type(cursor[0]) is int and cursor[0] >= 0):
            raise BadCursor()
        start = cursor[0] if cursor else 0
        groups = grouped_misses(db(), assistant().analyzer, since=utcnow() - dt.timedelta(days=args["days"]),
                                order=args["order"])
        page = groups[start:start + args["limit"]]
        after = [start + args["limit"]] if start + args["limit"] < len(groups) else None
        return MissListSchema().dump({"items": page, "next_cursor": encode_cursor(after)})
