"""Policy questions (政策问答): the best passage from the backend's policy search, with its source.

The search owns the index and its relevance threshold (it abstains when nothing is relevant), so new
policies are answerable without retraining the bot. The bot only trims and cites; it never composes.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.backend import BackendUnavailable
from actions.context import api_for, language_of, latest_text
from actions.messages import say
from actions.threaded import ApiAction

# About four lines on a phone screen.
PASSAGE_LIMIT = 200
SENTENCE_END = re.compile(r"[。！？；!?;]|\.(?:\s|$)")
MARKUP = re.compile(r"</?[a-zA-Z][^>]*>")


def trim_passage(text: str, limit: int = PASSAGE_LIMIT) -> str:
    """Whole sentences up to ``limit`` characters; a single long sentence is cut with an ellipsis."""
    text = " ".join(MARKUP.sub("", text).split())
    if len(text) <= limit:
        return text
    ends = [m.end() for m in SENTENCE_END.finditer(text, 0, limit + 1)]
    return text[: ends[-1]].strip() if ends else text[: limit - 1].rstrip() + "…"


def source_of(item: dict[str, Any]) -> str:
    """"Title › heading › sub-heading", the way the passage sits in its document."""
    return " › ".join([item.get("title") or "", *(item.get("heading_path") or [])]).strip(" ›")


def best_passage(item: dict[str, Any]) -> str:
    """The whole passage when it fits, else the search's snippet (centred on the match), else a cut."""
    text = item.get("text") or ""
    if len(text) > PASSAGE_LIMIT and item.get("snippet"):
        return trim_passage(item["snippet"])
    return trim_passage(text or item.get("snippet") or "")


class ActionAnswerPolicy(ApiAction):
    def name(self) -> str:
        return "action_answer_policy"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        language = language_of(tracker)
        try:
            result = api_for(tracker).search_policies(latest_text(tracker), k=3)
        except BackendUnavailable:
            say(dispatcher, language, "backend_unavailable")
            return []
        items = result.get("items") or []
        if result.get("abstained") or not items:
            say(dispatcher, language, "policy_unknown")
            return []
        top = items[0]
        say(dispatcher, language, "policy_answer", passage=best_passage(top), source=source_of(top))
        return []
