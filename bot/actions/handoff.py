"""Hand-over (转人工) and complaints: what to do next, and the conversation reference staff can look up.

The backend records every hand-over with its conversation id (``GET /admin/assistant/misses``); once the
12345 work-order issue lands, a hand-over will open a work order instead.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import language_of, metadata_of
from actions.messages import say


def conversation_reference(tracker: Tracker) -> str:
    """The app's conversation id (sent by the backend in the metadata), else Rasa's sender id."""
    reference = metadata_of(tracker).get("conversation_id")
    return reference if isinstance(reference, str) and reference else tracker.sender_id


class ActionHandover(Action):
    def name(self) -> str:
        return "action_handover"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        say(dispatcher, language_of(tracker), "handover", reference=conversation_reference(tracker))
        return []
