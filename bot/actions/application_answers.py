"""Reading a chat answer as a form value, by the field's type (the service's ``form_fields``).

Only the shape is read here (a date, a number, one of the options); whether the value is acceptable is
the backend's rule, checked through ``POST /services/{code}/validate``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

SKIP_WORDS = {"跳过", "不填", "略过", "skip", "n/a", "none", "-"}
YES_WORDS = {"是", "是的", "对", "要", "需要", "好", "好的", "可以", "确认", "同意", "有", "申请",
             "yes", "y", "yeah", "yep", "true", "sure", "ok", "okay", "/affirm"}
NO_WORDS = {"否", "不", "不是", "不要", "不需要", "不用", "没有", "无", "不申请",
            "no", "n", "nope", "false", "/deny"}
TRAILING_PUNCTUATION = "。.!！~～ "
DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
LIST_SEPARATORS = re.compile(r"\s*(?:[,，、;；/]|\band\b|和)\s*")


class Skipped:
    """An optional field the user chose not to answer."""


SKIPPED = Skipped()


class InvalidAnswer(Exception):
    """The answer does not have the field's shape; ``reason`` names the message to show."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _plain(text: str) -> str:
    return text.strip().strip(TRAILING_PUNCTUATION).lower()


def read_bool(text: str) -> bool | None:
    word = _plain(text)
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


def _option(field: dict[str, Any], text: str) -> str:
    options = field.get("options") or []
    answer = _plain(text)
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return options[int(answer) - 1]["value"]
    exact = [o["value"] for o in options if answer in (o["value"].lower(), str(o["label"]).lower())]
    if exact:
        return exact[0]
    partial = [o["value"] for o in options if answer and (answer in str(o["label"]).lower() or str(o["label"]).lower() in answer)]
    if len(partial) == 1:
        return partial[0]
    raise InvalidAnswer("choice")


def read_answer(field: dict[str, Any], text: str) -> Any:
    """The value to send for ``field``, :data:`SKIPPED`, or :class:`InvalidAnswer`."""
    kind = field.get("type")
    if kind == "bool":
        value = read_bool(text)
        if value is not None:
            return value
    if _plain(text) in SKIP_WORDS or (kind == "bool" and not _plain(text)):
        if field.get("required"):
            raise InvalidAnswer("required")
        return SKIPPED
    if kind == "bool":
        raise InvalidAnswer("bool")
    if kind == "number":
        match = NUMBER.search(text.replace(",", "").replace("，", ""))
        if not match:
            raise InvalidAnswer("number")
        number = float(match.group())
        return int(number) if number.is_integer() else number
    if kind == "date":
        return _date(text)
    if kind == "choice":
        return _option(field, text)
    if kind == "multichoice":
        return list(dict.fromkeys(_option(field, part) for part in LIST_SEPARATORS.split(text.strip()) if part))
    return text.strip()


def _date(text: str) -> str:
    """ISO date from 2025-01-31, 2025/1/31, 2025.1.31 or 2025年1月31日."""
    match = DATE.search(text)
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups())).isoformat()
        except ValueError:
            pass
    raise InvalidAnswer("date")


def display_value(field: dict[str, Any], value: Any, language: str) -> str:
    """How an accepted value reads back in the summary."""
    if value is None:
        return "（未填）" if language == "zh" else "(not given)"
    if field.get("type") == "bool":
        return ("是" if value else "否") if language == "zh" else ("Yes" if value else "No")
    labels = {o["value"]: o["label"] for o in field.get("options") or []}
    if isinstance(value, list):
        return ("、" if language == "zh" else ", ").join(labels.get(v, v) for v in value)
    return str(labels.get(value, value))


def next_field(fields: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, Any] | None:
    """The first field not answered (or skipped) yet, in the service's order."""
    return next((field for field in fields if field["name"] not in values), None)
