"""Case status (办件进度): the user's open cases, or one case by number if it is theirs."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.backend import BackendUnavailable, NotFound, NotSignedIn
from actions.context import api_for, language_of, latest_entity_values
from actions.messages import say
from actions.threaded import ApiAction

NOT_GIVEN = {"zh": "—", "en": "—"}


def case_line(number: int, case: dict[str, Any], language: str) -> str:
    dash = NOT_GIVEN[language]
    status = case.get("status_label") or case.get("status") or dash
    if language == "en":
        return (
            f"{number}. {case['case_no']} · {case.get('service_name', '')} · {status}; "
            f"next: {case.get('next_step') or dash}; due {case.get('due_date') or dash}"
        )
    return (
        f"{number}. {case['case_no']}「{case.get('service_name', '')}」{status}；"
        f"下一步：{case.get('next_step') or dash}；预计办结：{case.get('due_date') or dash}"
    )


class ActionCaseStatus(ApiAction):
    def name(self) -> str:
        return "action_case_status"

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        language = language_of(tracker)
        api = api_for(tracker)
        numbers = [value.upper() for value in latest_entity_values(tracker, "case_no")]
        try:
            if numbers:
                self._one(dispatcher, language, api.case, numbers[0])
            else:
                cases = api.open_cases()
                if cases:
                    lines = "\n".join(case_line(i, c, language) for i, c in enumerate(cases, start=1))
                    say(dispatcher, language, "open_cases", count=len(cases), cases=lines)
                else:
                    say(dispatcher, language, "no_open_cases")
        except NotSignedIn:
            say(dispatcher, language, "sign_in")
        except BackendUnavailable:
            say(dispatcher, language, "backend_unavailable")
        return []

    @staticmethod
    def _one(dispatcher: CollectingDispatcher, language: str, fetch, case_no: str) -> None:
        try:
            case = fetch(case_no)
        except NotFound:
            say(dispatcher, language, "case_not_found", case_no=case_no)
            return
        dash = NOT_GIVEN[language]
        say(
            dispatcher,
            language,
            "case_detail",
            case_no=case["case_no"],
            service_name=case.get("service_name", ""),
            status=case.get("status_label") or case.get("status") or dash,
            next_step=case.get("next_step") or dash,
            due_date=case.get("due_date") or dash,
        )
