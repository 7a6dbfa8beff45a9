"""Fallback and hand-over (转人工): one "please rephrase", then the 12345 hotline."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import language_of
from actions.messages import say

FALLBACK_INTENT = "nlu_fallback"


def previous_user_intent(tracker: Tracker) -> str | None:
    """The intent of the user message before the latest one, within this session."""
    seen_latest = False
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return None
        if event.get("event") == "user":
            if seen_latest:
                return ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            seen_latest = True
    return None


class ActionFallback(Action):
    """Runs for low NLU confidence and when no dialogue policy is confident (core fallback)."""

    def name(self) -> str:
        return "action_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        if previous_user_intent(tracker) == FALLBACK_INTENT:
            dispatcher.utter_message(response="utter_handoff")
        else:
            say(dispatcher, language_of(tracker), "rephrase")
        return []
