"""The assistant in the app: ``POST /chat`` forwards a message to Rasa and returns its replies."""

from __future__ import annotations

import secrets

from flask import current_app
from flask_restx import Namespace, Resource

from api import assistant
from api.auth import optional_user, token_claims
from api.database import db
from api.i18n import language, translate
from api.limits import EXPENSIVE
from api.problems import problem
from api.restx import load_body, model
from api.schemas.assistant import FeedbackResultSchema, FeedbackSchema
from api.schemas.chat import ChatRequestSchema, ChatResponseSchema, ChatUnavailableSchema
from api.schemas.common import ProblemSchema
from api.schemas.policy import PolicyHitSchema
from models.assistant.misses import MissKind, record_miss
from models.errors import N_

ns = Namespace("chat", description="The assistant (智能客服): policy questions, service guidance, applying, case status")

NO_ANSWER = N_("Sorry, I have no answer to that right now. Ask in other words, or call the 12345 government "
               "service hotline.")
# Replies that answered nothing: recorded for the admins' review list (models.assistant.misses).
MISS_KINDS = frozenset({"abstain", "fallback", "handover"})
UNAVAILABLE = N_("The assistant is not available at the moment. Here are the policy passages closest to your "
                 "question; for help call the 12345 government service hotline.")


@ns.route("")
class Chat(Resource):
    decorators = EXPENSIVE
    @ns.doc(security=[{"bearer": []}, {}], description="Signed-in users can also apply and ask about their "
            "cases; anonymous users get policy and service answers. Keep the returned conversation_id.")
    @ns.expect(model(ChatRequestSchema))
    @ns.response(200, "The assistant's replies", model(ChatResponseSchema))
    @ns.response(503, "Assistant unavailable: problem+json with the top policy passages", model(ChatUnavailableSchema))
    def post(self):
        data = load_body(ChatRequestSchema())
        user = optional_user()
        conversation_id = data["conversation_id"] or secrets.token_urlsafe(16)
        lang = language()
        metadata = {"language": lang, "conversation_id": conversation_id}
        if user is not None:
            sender = f"user-{user.id}-{conversation_id}"
            metadata["token"] = assistant.delegated_token(user, token_claims()["sid"])
        else:
            sender = f"guest-{conversation_id}"
        # End this request's transaction before waiting on Rasa: the actions call this API back, and on
        # SQLite an open write transaction here would block them until the timeout.
        db().commit()
        try:
            replies = assistant.send_message(sender, data["message"], metadata)
        except assistant.AssistantUnavailable as exc:
            current_app.logger.warning("assistant unavailable: %s", exc)
            return _unavailable(data["message"], conversation_id)
        if not replies:  # Rasa's REST channel answers [] when an action failed: never reply with nothing
            replies = [assistant.Reply(translate(NO_ANSWER), [], "fallback")]
        missed = next((MissKind(r.kind) for r in replies if r.kind in MISS_KINDS), None)
        if missed is not None:
            record_miss(db(), kind=missed, question=data["message"], language=lang, conversation_id=conversation_id)
        body = {"conversation_id": conversation_id, "language": lang,
                "replies": [{"text": r.text, "buttons": r.buttons, "kind": r.kind} for r in replies]}
        return ChatResponseSchema().dump(body)


@ns.route("/feedback")
class ChatFeedback(Resource):
    @ns.doc(security=[{"bearer": []}, {}], description="Thumbs up or down on the assistant's reply; thumbs-down "
            "lands in the admins' review list (GET /admin/assistant/misses).")
    @ns.expect(model(FeedbackSchema))
    @ns.response(201, "Recorded", model(FeedbackResultSchema))
    @ns.response(422, "Invalid feedback", model(ProblemSchema))
    def post(self):
        data = load_body(FeedbackSchema())
        record_miss(db(), kind=MissKind.HELPFUL if data["helpful"] else MissKind.UNHELPFUL,
                    question=data["question"] or "", language=language(), conversation_id=data["conversation_id"],
                    message_id=data["message_id"], comment=data["comment"])
        return FeedbackResultSchema().dump({"recorded": True}), 201


def _unavailable(message: str, conversation_id: str):
    results = current_app.extensions["yiwang.policy_search"].search(db(), message, 3)
    response = problem(503, "assistant-unavailable", translate(N_("Assistant unavailable")), translate(UNAVAILABLE),
                       headers={"Retry-After": "30"})
    body = response.get_json()
    body["conversation_id"] = conversation_id
    body["results"] = PolicyHitSchema(many=True).dump(results.items)
    response.set_data(current_app.json.dumps(body))
    return response
