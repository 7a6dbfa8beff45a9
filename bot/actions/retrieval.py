"""Answers from retrieval (检索兜底) when the intent classifier is unsure, the question is out of its scope,
or it is a policy question: the backend's ``GET /assistant/answer`` searches the catalogue by meaning and
the published policies, and decides; the bot only words the outcome and cites.

Policy answers are extractive (whole sentences of the source, then "title › heading path"); the wider
text is kept in the ``answer_more`` slot for "展开". When the backend abstains the bot says so and offers a
person (12345, its hours and the hand-over) instead of guessing.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backend import BackendUnavailable, NotFound, Problem, YiwangApi
from actions.context import api_for, language_of, latest_text
from actions.handoff import conversation_reference
from actions.messages import say
from actions.service_guide import overview_values
from actions.threaded import ApiAction


def service_button(service: dict[str, str], intent: str = "ask_service_overview") -> dict[str, str]:
    return {"title": service["name"], "payload": f"/{intent}{json.dumps({'service': service['code']})}"}


def numbered(lines: list[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


def word_answer(dispatcher: CollectingDispatcher, tracker: Tracker, api: YiwangApi, language: str,
                answer: dict[str, Any], abstain_key: str = "no_reliable_answer", intent: str = "ask_service_overview") -> list:
    """Say the backend's outcome; ``intent`` is the question the choice buttons ask about their service."""
    outcome = answer.get("outcome")
    if outcome == "service" and answer.get("services"):
        guide = api.service(answer["services"][0]["code"])
        say(dispatcher, language, "service_match")
        say(dispatcher, language, "service_overview", service_name=guide["name"], **overview_values(guide, language))
        return [SlotSet("service", guide["code"])]
    if outcome == "choices" and answer.get("services"):
        services = answer["services"]
        say(dispatcher, language, "service_choices", buttons=[service_button(s, intent) for s in services],
            names=numbered([s["name"] for s in services]))
        return []
    if outcome == "life_event" and answer.get("life_event"):
        return _life_event(dispatcher, language, answer["life_event"])
    if outcome == "policy" and answer.get("policy"):
        policy = answer["policy"]
        say(dispatcher, language, "policy_answer", passage=policy["text"], source=policy["source"])
        more = policy["more"] if len(policy.get("more") or "") > len(policy["text"]) else None
        return [SlotSet("answer_more", json.dumps({"text": more, "source": policy["source"]}) if more else None)]
    if outcome == "handover":
        say(dispatcher, language, "handover", reference=conversation_reference(tracker))
        return []
    say(dispatcher, language, abstain_key)
    return []


def _life_event(dispatcher: CollectingDispatcher, language: str, event: dict[str, Any]) -> list:
    either = "或" if language == "zh" else " or "
    lines = [f"{either.join(s['name'] for s in step['services'])}（{step['note']}）" if language == "zh"
             else f"{either.join(s['name'] for s in step['services'])} ({step['note']})" for step in event["steps"]]
    buttons = [service_button(s) for step in event["steps"] for s in step["services"]]
    say(dispatcher, language, "life_event", buttons=buttons, event=event["name"], steps=numbered(lines))
    return []


class RetrievalAnswer(ApiAction):
    """Shared flow: ask the backend, then word its outcome. ``abstain_key`` is what an abstention says."""

    abstain_key = "no_reliable_answer"
    scope = "all"

    @abstractmethod
    def name(self) -> str:
        """Abstract: the action server registers only the concrete actions below."""

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        language = language_of(tracker)
        question = latest_text(tracker)
        api = api_for(tracker)
        if not question or question.startswith("/"):
            say(dispatcher, language, "rephrase")
            return []
        try:
            return word_answer(dispatcher, tracker, api, language, api.answer(question, self.scope), self.abstain_key)
        except Problem:  # e.g. a message the backend cannot search (too long)
            say(dispatcher, language, "rephrase")
        except (BackendUnavailable, NotFound):
            say(dispatcher, language, "backend_unavailable")
        return []


class ActionFallback(RetrievalAnswer):
    """Low NLU confidence, out of scope, or no dialogue policy confident: search before giving up."""

    def name(self) -> str:
        return "action_fallback"


class ActionAnswerPolicy(RetrievalAnswer):
    """A policy question: the sentences of the best passage that answer it, cited."""

    abstain_key = "policy_unknown"
    scope = "policy"  # the classifier is sure it is about policy (0.96 precision on held-out messages)

    def name(self) -> str:
        return "action_answer_policy"


class ActionExpandAnswer(ApiAction):
    """"展开": the wider text of the last policy answer, from the ``answer_more`` slot."""

    def name(self) -> str:
        return "action_expand_answer"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        language = language_of(tracker)
        stored = tracker.get_slot("answer_more")
        if not stored:
            say(dispatcher, language, "nothing_more")
            return []
        more = json.loads(stored)
        say(dispatcher, language, "policy_more", passage=more["text"], source=more["source"])
        return [SlotSet("answer_more", None)]
