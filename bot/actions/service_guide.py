"""Service guide answers (办事指南): documents, time, fee, place and hours, online or not, overview.

Every answer is read from ``GET /services/{code}`` at the time of the question, never from text kept
in the bot, so a catalogue update shows at once. One action per question, sharing one flow.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backend import BackendUnavailable, NotFound, Problem
from actions.context import api_for, language_of, latest_text
from actions.messages import say
from actions.service_lookup import choose_service, is_free_text, question_intent
from actions.threaded import ApiAction

WORDS = {
    "zh": {
        "original": "原件",
        "copy": "复印件",
        "original_and_copy": "原件和复印件",
        "copies": "{n}份",
        "electronic": "可交电子版",
        "optional": "（非必需）",
        "government": "由部门核验，无需提交",
        "separator": "；",
        "list_separator": "、",
        "step_days": "（{days}）",
        "on_the_spot": "即办件，当场办结",
        "time_limit": "法定时限{statutory}，承诺{promised}办结",
        "free": "不收费",
        "charged": "收费{amount}元",
        "basis": "（依据：{basis}）",
        "online_yes": "可以网上办理（一网通办App或网站）",
        "online_no": "需要到窗口办理",
        "natural_person": "个人",
        "legal_person": "企业和组织",
        "online": "网上办理",
        "mobile": "手机App",
        "window": "窗口办理",
        "post": "邮寄",
        "unknown": "暂无",
    },
    "en": {
        "original": "original",
        "copy": "copy",
        "original_and_copy": "original and copy",
        "copies": "{n} cop{plural}",
        "electronic": "electronic copy accepted",
        "optional": " (optional)",
        "government": "checked by the office, nothing to bring",
        "separator": "; ",
        "list_separator": ", ",
        "step_days": " ({days})",
        "on_the_spot": "handled on the spot",
        "time_limit": "legal time limit {statutory}; done within {promised}",
        "free": "free of charge",
        "charged": "CNY {amount}",
        "basis": " (basis: {basis})",
        "online_yes": "yes, it can be done online (Yiwang app or website)",
        "online_no": "you need to go to the office",
        "natural_person": "individuals",
        "legal_person": "businesses and organisations",
        "online": "online",
        "mobile": "mobile app",
        "window": "in person",
        "post": "by post",
        "unknown": "not given",
    },
}


def _words(language: str) -> dict[str, str]:
    return WORDS.get(language, WORDS["zh"])


def materials_text(guide: dict[str, Any], language: str) -> str:
    words = _words(language)
    lines = []
    for number, material in enumerate(guide.get("materials") or [], start=1):
        if material.get("source") == "government":
            # Issued by an office: the applicant brings nothing; the note says how it is checked.
            details = [material.get("note") or words["government"]]
        else:
            copies = int(material.get("copies") or 1)
            details = [
                words.get(material.get("form") or "", material.get("form") or ""),
                words["copies"].format(n=copies, plural="y" if copies == 1 else "ies"),
            ]
            if material.get("electronic_accepted"):
                details.append(words["electronic"])
        optional = "" if material.get("required", True) else words["optional"]
        line = f"{number}. {material['name']}{optional}：" if language == "zh" else f"{number}. {material['name']}{optional}: "
        line += words["separator"].join(d for d in details if d)
        if material.get("note") and material.get("source") != "government":
            line += f"{words['separator']}{material['note']}"
        lines.append(line)
    return "\n".join(lines) or words["unknown"]


def working_days(n: int, language: str) -> str:
    if language == "en":
        return f"{n} working day" + ("" if n == 1 else "s")
    return f"{n}个工作日"


def time_limit_text(guide: dict[str, Any], language: str) -> str:
    words = _words(language)
    if not guide.get("promised_days"):
        return words["on_the_spot"]
    return words["time_limit"].format(statutory=working_days(guide.get("statutory_days") or 0, language),
                                      promised=working_days(guide["promised_days"], language))


def steps_text(guide: dict[str, Any], language: str) -> str:
    words = _words(language)
    steps = [
        step["name"] + (words["step_days"].format(days=working_days(step["days"], language)) if step.get("days") else "")
        for step in guide.get("steps") or []
    ]
    return " → ".join(steps) or words["unknown"]


def fee_text(guide: dict[str, Any], language: str) -> str:
    words = _words(language)
    fee = guide.get("fee") or {}
    if fee.get("free", True):
        return words["free"]
    text = words["charged"].format(amount=fee.get("amount") or words["unknown"])
    return text + (words["basis"].format(basis=fee["basis"]) if fee.get("basis") else "")


def channels_text(guide: dict[str, Any], language: str) -> str:
    words = _words(language)
    return words["list_separator"].join(words.get(c, c) for c in guide.get("channels") or []) or words["unknown"]


def online_text(guide: dict[str, Any], language: str) -> str:
    online = {"online", "mobile"} & set(guide.get("channels") or [])
    return _words(language)["online_yes" if online else "online_no"]


def overview_values(guide: dict[str, Any], language: str) -> dict[str, Any]:
    words = _words(language)
    return {
        "department": (guide.get("department") or {}).get("name") or words["unknown"],
        "summary": guide.get("summary") or "",
        "for_whom": words.get(guide.get("for_whom") or "", guide.get("for_whom") or words["unknown"]),
        "time_limit": time_limit_text(guide, language),
        "fee": fee_text(guide, language),
    }


def location_values(guide: dict[str, Any], language: str) -> dict[str, Any]:
    office = guide.get("office") or {}
    unknown = _words(language)["unknown"]
    return {
        "address": office.get("address") or unknown,
        "hours": office.get("hours") or unknown,
        "phone": guide.get("enquiry_phone") or unknown,
    }


class ServiceGuideAction(ApiAction):
    """Resolve the service, fetch its guide, answer one aspect of it."""

    action_name = ""
    intent = ""
    message = ""

    def name(self) -> str:
        return self.action_name

    @abstractmethod
    def values(self, guide: dict[str, Any], language: str) -> dict[str, Any]:
        """The message's placeholders for this aspect of the guide."""

    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        language = language_of(tracker)
        api = api_for(tracker)
        try:
            if is_free_text(tracker):
                # No service named: the backend's retrieval decides (a service, choices, a life event, ...);
                # only when it abstains are keyword hits offered as buttons, as before. (Imported here because
                # retrieval words a found service with this module.)
                from actions.retrieval import word_answer

                answer = api.answer(latest_text(tracker))
                if answer.get("outcome") == "service" and answer.get("services"):
                    return self._answer(dispatcher, language, api.service(answer["services"][0]["code"]))
                if answer.get("outcome") not in ("abstain", None):
                    return word_answer(dispatcher, tracker, api, language, answer,
                                       intent=question_intent(tracker, self.intent))
            choice = choose_service(tracker, api)
            if not choice.code:
                if choice.candidates:
                    buttons = choice.buttons(question_intent(tracker, self.intent))
                    say(dispatcher, language, "choose_service", buttons=buttons)
                else:
                    say(dispatcher, language, "service_not_found" if tracker.get_slot("service") else "ask_which_service")
                return []
            guide = api.service(choice.code)
        except NotFound:
            say(dispatcher, language, "service_not_found")
            return [SlotSet("service", None)]
        except BackendUnavailable:
            say(dispatcher, language, "backend_unavailable")
            return []
        except Problem:
            say(dispatcher, language, "ask_which_service")
            return []
        return self._answer(dispatcher, language, guide)

    def _answer(self, dispatcher: CollectingDispatcher, language: str, guide: dict[str, Any]) -> list:
        say(dispatcher, language, self.message, service_name=guide["name"], **self.values(guide, language))
        return [SlotSet("service", guide["code"])]


class ActionServiceOverview(ServiceGuideAction):
    action_name, intent, message = "action_service_overview", "ask_service_overview", "service_overview"

    def values(self, guide: dict[str, Any], language: str) -> dict[str, Any]:
        return overview_values(guide, language)


class ActionServiceMaterials(ServiceGuideAction):
    action_name, intent, message = "action_service_materials", "ask_service_materials", "service_materials"

    def values(self, guide: dict[str, Any], language: str) -> dict[str, Any]:
        return {"materials": materials_text(guide, language)}


class ActionServiceTime(ServiceGuideAction):
    action_name, intent, message = "action_service_time", "ask_service_time", "service_time"

    def values(self, guide: dict[str, Any], language: str) -> dict[str, Any]:
        return {"time_limit": time_limit_text(guide, language), "steps": steps_text(guide, language)}


class ActionServiceFee(ServiceGuideAction):
    action_name, intent, message = "action_service_fee", "ask_service_fee", "service_fee"

    def values(self, guide: dict[str, Any], language: str) -> dict[str, Any]:
        return {"fee": fee_text(guide, language)}


class ActionServiceLocation(ServiceGuideAction):
    action_name, intent, message = "action_service_location", "ask_service_location", "service_location"

    def values(self, guide: dict[str, Any], language: str) -> dict[str, Any]:
        return location_values(guide, language)


class ActionServiceOnline(ServiceGuideAction):
    action_name, intent, message = "action_service_online", "ask_service_online", "service_online"

    def values(self, guide: dict[str, Any], language: str) -> dict[str, Any]:
        return {
            "online": online_text(guide, language),
            "channels": channels_text(guide, language),
            "visits": guide.get("visits", _words(language)["unknown"]),
        }
