"""Which catalogue service (事项) the user means: a code, a list to choose from, or nothing.

The NLU maps every unambiguous catalogue name or keyword to its code (generated synonyms). Anything
else (a keyword shared by several services, a typo, no name at all) goes to the catalogue search, and
the user chooses with buttons: the bot never guesses a service it was not told.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker

from actions.backend import YiwangApi
from actions.context import latest_entity_values, latest_intent, latest_text

SERVICE_CODE = re.compile(r"^YW-[A-Z]+-\d+$")
MAX_CHOICES = 5


@dataclass
class ServiceChoice:
    code: str | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)

    def buttons(self, intent: str) -> list[dict[str, str]]:
        """One button per candidate, re-asking the same question with the service made explicit."""
        return [
            {"title": item["name"], "payload": f"/{intent}{json.dumps({'service': item['code']})}"}
            for item in self.candidates
        ]


def choose_service(tracker: Tracker, api: YiwangApi) -> ServiceChoice:
    mentioned = latest_entity_values(tracker, "service")
    codes = [value for value in mentioned if SERVICE_CODE.match(value)]
    if codes:
        return ServiceChoice(code=codes[0])
    if mentioned:
        return _search(api, mentioned[0], exact_is_enough=True)
    remembered = tracker.get_slot("service")
    if remembered and SERVICE_CODE.match(remembered):
        return ServiceChoice(code=remembered)
    text = latest_text(tracker)
    if text and not text.startswith("/"):
        return _search(api, text, exact_is_enough=False)
    return ServiceChoice()


def is_free_text(tracker: Tracker) -> bool:
    """No service named, none remembered: only the words of the message say what the user wants."""
    if latest_entity_values(tracker, "service"):
        return False
    remembered = tracker.get_slot("service")
    if remembered and SERVICE_CODE.match(remembered):
        return False
    text = latest_text(tracker)
    return bool(text) and not text.startswith("/")


def _search(api: YiwangApi, query: str, *, exact_is_enough: bool) -> ServiceChoice:
    """A single hit for a recognised service name is that service; a free-text hit is only offered."""
    items = api.search_services(query, limit=MAX_CHOICES)
    if exact_is_enough and len(items) == 1:
        return ServiceChoice(code=items[0]["code"])
    return ServiceChoice(candidates=items)


def question_intent(tracker: Tracker, default: str) -> str:
    intent = latest_intent(tracker)
    return intent if intent and intent != "nlu_fallback" else default
