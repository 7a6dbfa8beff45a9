"""The application form (在线申办表单): one service's form fields asked one by one, then a summary.

Rasa forms need their slots in the domain, but each service has its own fields. So the form has two
generic slots: ``application_answer`` is asked again and again (each answer is validated by the backend
and moved into ``application_values``) until no field is left, then ``application_confirmed``.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.application_answers import (
    SKIPPED,
    InvalidAnswer,
    display_value,
    next_field,
    read_answer,
    read_bool,
)
from actions.backend import BackendUnavailable, Problem
from actions.context import api_for, language_of, latest_intent
from actions.messages import say
from actions.threaded import in_thread

ANSWER_PROBLEMS = {
    "zh": {
        "required": "是必填项，请填写。",
        "bool": "请回答「是」或「否」。",
        "number": "请填写一个数字。",
        "date": "请按 2025-01-31 这样的格式填写日期。",
        "choice": "请从这些选项中选择：{options}",
    },
    "en": {
        "required": "is required, please answer it.",
        "bool": 'please answer "yes" or "no".',
        "number": "please give a number.",
        "date": "please give a date like 2025-01-31.",
        "choice": "please choose one of: {options}",
    },
}
HINTS = {
    "zh": {"date": "（如 2025-01-31）", "optional": "（选填，可回复「跳过」）", "multi": "（可多选，用顿号分隔）",
           "yes": "是", "no": "否", "skip": "跳过", "submit": "确认提交", "cancel": "取消"},
    "en": {"date": " (e.g. 2025-01-31)", "optional": ' (optional, you can say "skip")',
           "multi": " (you can choose several, separated by commas)",
           "yes": "Yes", "no": "No", "skip": "Skip", "submit": "Submit", "cancel": "Cancel"},
}


def _options_text(field: dict[str, Any], language: str) -> str:
    separator = "、" if language == "zh" else ", "
    return separator.join(f"{i}. {o['label']}" for i, o in enumerate(field.get("options") or [], start=1))


def field_prompt(field: dict[str, Any], language: str) -> tuple[str, list[dict[str, str]]]:
    """The hint after the label and the buttons for one field."""
    hints = HINTS[language]
    hint = ""
    if field.get("help"):
        hint += f"（{field['help']}）" if language == "zh" else f" ({field['help']})"
    buttons = []
    if field["type"] == "date":
        hint += hints["date"]
    elif field["type"] == "bool":
        buttons = [{"title": hints["yes"], "payload": hints["yes"]}, {"title": hints["no"], "payload": hints["no"]}]
    elif field["type"] == "choice":
        buttons = [{"title": o["label"], "payload": o["label"]} for o in field.get("options") or []]
    elif field["type"] == "multichoice":
        hint += hints["multi"] + ("：" if language == "zh" else ": ") + _options_text(field, language)
    if not field.get("required"):
        hint += hints["optional"]
        buttons.append({"title": hints["skip"], "payload": hints["skip"]})
    return hint, buttons


class ValidateApplicationForm(FormValidationAction):
    def name(self) -> str:
        return "validate_application_form"

    async def validate_application_answer(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # The backend checks each answer: a blocking call, so it runs on the action thread pool.
        return await in_thread(self.check_application_answer, slot_value, dispatcher, tracker, domain)

    def check_application_answer(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        language = language_of(tracker)
        fields = tracker.get_slot("application_fields") or []
        values = dict(tracker.get_slot("application_values") or {})
        field = next_field(fields, values)
        if field is None:
            return {"application_answer": slot_value}
        try:
            value = read_answer(field, str(slot_value))
            if value is not SKIPPED:
                value = self._checked(tracker, field, value)
        except InvalidAnswer as problem:
            message = ANSWER_PROBLEMS[language][problem.reason].format(options=_options_text(field, language))
            say(dispatcher, language, "field_invalid", label=field["label"], message=message)
            return {"application_answer": None}
        except Problem as problem:
            message = " ".join(problem.messages_for(field["name"]) or problem.all_messages())
            say(dispatcher, language, "field_invalid", label=field["label"], message=message)
            return {"application_answer": None}
        except BackendUnavailable:
            say(dispatcher, language, "backend_unavailable")
            return {"application_answer": None}
        values[field["name"]] = None if value is SKIPPED else value
        finished = next_field(fields, values) is None
        return {"application_values": values, "application_answer": slot_value if finished else None}

    @staticmethod
    def _checked(tracker: Tracker, field: dict[str, Any], value: Any) -> Any:
        """The backend's rules for this one field; it answers with the value as it will store it."""
        service = tracker.get_slot("application_service") or {}
        clean = api_for(tracker).validate_form(service["code"], {field["name"]: value})
        return clean.get(field["name"], value)

    def validate_application_confirmed(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        intent = latest_intent(tracker)
        decision = {"affirm": True, "deny": False}.get(intent or "")
        if decision is None:
            decision = read_bool(str(slot_value))
        if decision is None:
            say(dispatcher, language_of(tracker), "confirm_or_cancel")
        return {"application_confirmed": decision}


class ActionAskApplicationAnswer(Action):
    """Asks the next unanswered field by its label, with its options as buttons."""

    def name(self) -> str:
        return "action_ask_application_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        language = language_of(tracker)
        fields = tracker.get_slot("application_fields") or []
        field = next_field(fields, tracker.get_slot("application_values") or {})
        if field is None:
            return []
        hint, buttons = field_prompt(field, language)
        position = fields.index(field) + 1
        say(dispatcher, language, "ask_field", buttons=buttons, position=position, total=len(fields),
            label=field["label"], hint=hint)
        return []


def summary_text(fields: list[dict[str, Any]], values: dict[str, Any], language: str) -> str:
    colon = "：" if language == "zh" else ": "
    return "\n".join(f"{f['label']}{colon}{display_value(f, values.get(f['name']), language)}" for f in fields)


class ActionAskApplicationConfirmed(Action):
    """Shows every answer back (ID numbers masked) and asks to submit."""

    def name(self) -> str:
        return "action_ask_application_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        language = language_of(tracker)
        service = tracker.get_slot("application_service") or {}
        summary = summary_text(tracker.get_slot("application_fields") or [],
                               tracker.get_slot("application_values") or {}, language)
        hints = HINTS[language]
        buttons = [{"title": hints["submit"], "payload": "/affirm"}, {"title": hints["cancel"], "payload": "/cancel"}]
        say(dispatcher, language, "summary", buttons=buttons, service_name=service.get("name", ""), summary=summary)
        return []

