"""Session start: the language comes from the app's locale in the first message's metadata."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import language_from_metadata


class ActionSessionStart(Action):
    """Replaces Rasa's default; slots are not carried over (see session_config), only the language is set."""

    def name(self) -> str:
        return "action_session_start"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        events: list = [SessionStarted()]
        language = language_from_metadata(tracker.get_slot("session_started_metadata") or {})
        if language:
            events.append(SlotSet("language", language))
        events.append(ActionExecuted("action_listen"))
        return events
