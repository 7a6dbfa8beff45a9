"""Applying by chat (在线申办): start the form for one service, then submit or cancel it."""

from __future__ import annotations

import uuid
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backend import BackendUnavailable, NotFound, NotSignedIn, Problem
from actions.context import api_for, language_of, token_of
from actions.messages import say
from actions.service_lookup import choose_service
from actions.threaded import ApiAction

APPLICATION_SLOTS = (
    "application_service",
    "application_fields",
    "application_values",
    "application_key",
    "application_answer",
    "application_confirmed",
    "application_ready",
)


def cleared() -> list[SlotSet]:
    return [SlotSet(slot, None) for slot in APPLICATION_SLOTS]


def not_ready() -> list[SlotSet]:
    return [SlotSet("application_ready", False)]


class ActionPrepareApplication(ApiAction):
    """Checks the user is signed in, resolves the service and loads its form fields."""

    def name(self) -> str:
        return "action_prepare_application"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        language = language_of(tracker)
        if not token_of(tracker):
            say(dispatcher, language, "sign_in")
            return not_ready()
        api = api_for(tracker)
        try:
            choice = choose_service(tracker, api)
            if not choice.code:
                if choice.candidates:
                    say(dispatcher, language, "choose_service", buttons=choice.buttons("apply_service"))
                else:
                    say(dispatcher, language, "ask_which_service")
                return not_ready()
            guide = api.service(choice.code)
        except NotFound:
            say(dispatcher, language, "service_not_found")
            return not_ready()
        except BackendUnavailable:
            say(dispatcher, language, "backend_unavailable")
            return not_ready()
        fields = guide.get("form_fields") or []
        if not fields:
            say(dispatcher, language, "application_not_online", service_name=guide["name"])
            return [SlotSet("service", guide["code"]), *not_ready()]
        say(dispatcher, language, "application_started", service_name=guide["name"], count=len(fields))
        return [
            SlotSet("service", guide["code"]),
            SlotSet("application_service", {"code": guide["code"], "name": guide["name"]}),
            SlotSet("application_fields", fields),
            SlotSet("application_values", {}),
            SlotSet("application_key", str(uuid.uuid4())),
            SlotSet("application_answer", None),
            SlotSet("application_confirmed", None),
            SlotSet("application_ready", True),
        ]


class ActionSubmitApplication(ApiAction):
    """Runs when the form is complete: submits on confirmation, with the form's idempotency key."""

    def name(self) -> str:
        return "action_submit_application"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        language = language_of(tracker)
        if tracker.get_slot("application_confirmed") is not True:
            say(dispatcher, language, "application_cancelled")
            return cleared()
        service = tracker.get_slot("application_service") or {}
        answers = {k: v for k, v in (tracker.get_slot("application_values") or {}).items() if v is not None}
        try:
            case = api_for(tracker).create_case(service["code"], answers, tracker.get_slot("application_key"))
        except NotSignedIn:
            say(dispatcher, language, "sign_in")
        except Problem as problem:
            separator = "；" if language == "zh" else "; "
            say(dispatcher, language, "application_rejected", errors=separator.join(problem.all_messages()))
        except BackendUnavailable:
            say(dispatcher, language, "backend_unavailable")
        else:
            say(dispatcher, language, "application_submitted", case_no=case["case_no"],
                next_step=case.get("next_step") or "—")
        return cleared()


class ActionCancelApplication(Action):
    def name(self) -> str:
        return "action_cancel_application"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        say(dispatcher, language_of(tracker), "application_cancelled")
        return cleared()
