"""The reply language (回复语言): from the text when it is clear, else from the app's locale."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import latest_text, metadata_of
from actions.messages import LANGUAGES

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# One Latin word only counts when it is long enough not to be "ok", "id" or a licence class like "C1".
MIN_SINGLE_WORD = 4


def language_from_text(text: str) -> str | None:
    """zh when CJK characters are at least half of the "words" (CJK characters + Latin words), en when
    there is enough Latin text and no CJK; None when the text does not tell (digits, "ok", a button)."""
    if text.startswith("/"):
        return None
    cjk = len(CJK.findall(text))
    words = LATIN_WORD.findall(text)
    if cjk and cjk >= len(words):
        return "zh"
    if len(words) >= 2 or (len(words) == 1 and len(words[0]) >= MIN_SINGLE_WORD):
        return "en"
    return None


def language_from_metadata(metadata: dict[str, Any]) -> str | None:
    """The app's locale, "zh-CN", "en-GB" or plain "zh"/"en"."""
    value = metadata.get("language")
    if not isinstance(value, str):
        return None
    language = value.split("-")[0].split("_")[0].lower()
    return language if language in LANGUAGES else None


class ActionDetectLanguage(Action):
    """Custom slot mapping of ``language``, run by Rasa after every user message."""

    def name(self) -> str:
        return "action_detect_language"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        current = tracker.get_slot("language")
        # Answers inside a form (names, addresses) say nothing about the language the user reads.
        detected = None if tracker.active_loop_name else language_from_text(latest_text(tracker))
        language = detected or current or language_from_metadata(metadata_of(tracker))
        return [SlotSet("language", language)] if language and language != current else []
