"""Message templates (消息模板) per event and language: plain texts that name the service and the case
number and tell the reader the next step.

Pushes show on lock screens, so texts carry no personal data beyond the case number. Chinese is the
fallback language. Every rendered message fits FCM's payload limit: free-text parts (reasons, lists of
missing materials, replies, broadcast texts) are shortened first, with "…", never inside a character.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from string import Formatter
from typing import Any

from models.languages import DEFAULT_LANGUAGE, LANGUAGES
from notifications.senders import MAX_PAYLOAD_BYTES, MAX_TOPIC_PAYLOAD_BYTES, payload_size

ELLIPSIS = "…"
TITLE_MAX_CHARS = 60
FIELD_MAX_CHARS = {"service": 40, "reason": 200, "missing": 200, "reply": 200, "due_date": 20, "case_no": 40}
BODY_MAX_CHARS = 400
BROADCAST_BODY_MAX_CHARS = 600


@dataclass(frozen=True)
class RenderedMessage:
    title: str
    body: str
    data: dict[str, str]


@dataclass(frozen=True)
class _Template:
    title: str
    body: str


_CASE_TEMPLATES: dict[str, dict[str, _Template]] = {
    "case_submitted": {
        "zh": _Template("申请已提交", "您申请的「{service}」已提交，办件编号 {case_no}。我们会尽快审查，受理结果将通知您。"),
        "en": _Template("Application submitted",
                        "Your application for {service} was submitted (case {case_no}). "
                        "We will review it and let you know whether it is accepted."),
    },
    "case_accepted": {
        "zh": _Template("申请已受理", "您申请的「{service}」（办件编号 {case_no}）已受理，正在办理。可在“我的办件”查看进度。"),
        "en": _Template("Application accepted",
                        "Your application for {service} (case {case_no}) was accepted and is being processed. "
                        "Follow its progress under My cases."),
    },
    "supplement_requested": {
        "zh": _Template("请补正材料", "您申请的「{service}」（办件编号 {case_no}）需要补正：{missing}。"
                                     "请在“我的办件”上传后重新提交。"),
        "en": _Template("More documents needed",
                        "Your application for {service} (case {case_no}) needs: {missing}. "
                        "Upload them under My cases and submit again."),
    },
    "case_approved": {
        "zh": _Template("申请已办结", "您申请的「{service}」（办件编号 {case_no}）已审批通过。"
                                     "请在“我的办件”查看办理结果和领取方式。"),
        "en": _Template("Application approved",
                        "Your application for {service} (case {case_no}) was approved. "
                        "See the result and how to collect it under My cases."),
    },
    "case_rejected": {
        "zh": _Template("申请未获批准", "您申请的「{service}」（办件编号 {case_no}）未获批准，原因：{reason}。"
                                       "详情见“我的办件”；如有异议，可依法申请行政复议或提起行政诉讼。"),
        "en": _Template("Application refused",
                        "Your application for {service} (case {case_no}) was refused. Reason: {reason}. "
                        "See My cases for details; you may appeal through administrative review or the courts."),
    },
    "case_not_accepted": {
        "zh": _Template("申请不予受理", "您申请的「{service}」（办件编号 {case_no}）不予受理，原因：{reason}。"
                                       "请按说明修改后重新申请。"),
        "en": _Template("Application not accepted",
                        "Your application for {service} (case {case_no}) was not accepted. Reason: {reason}. "
                        "Please correct it as explained and apply again."),
    },
    "case_withdrawn": {
        "zh": _Template("申请已撤回", "您申请的「{service}」（办件编号 {case_no}）已撤回。如仍需办理，请重新申请。"),
        "en": _Template("Application withdrawn",
                        "Your application for {service} (case {case_no}) was withdrawn. "
                        "If you still need it, please apply again."),
    },
    "rectification_replied": {
        "zh": _Template("差评整改回复", "您对「{service}」（办件编号 {case_no}）的评价已有整改回复：{reply}。"
                                       "请在“我的办件”查看，并告诉我们是否满意。"),
        "en": _Template("Reply to your rating",
                        "Your rating of {service} (case {case_no}) has a reply on what was improved: {reply}. "
                        "Read it under My cases and tell us whether you are satisfied."),
    },
    "case_assigned": {
        "zh": _Template("新办件待办理", "「{service}」办件 {case_no} 已分派给您，请在 {due_date} 前办结。"),
        "en": _Template("New case assigned",
                        "Case {case_no} ({service}) was assigned to you. Please complete it by {due_date}."),
    },
    "case_assigned_to_accept": {
        "zh": _Template("新办件待受理", "「{service}」办件 {case_no} 已分派给您，请审查后决定是否受理。"),
        "en": _Template("New case to review",
                        "Case {case_no} ({service}) was assigned to you. Please review it and decide whether to accept it."),
    },
    "deadline_due_soon": {
        "zh": _Template("办件即将到期", "办件 {case_no}（{service}）将于 {due_date} 到期，请尽快办理。"),
        "en": _Template("Case due soon", "Case {case_no} ({service}) is due on {due_date}. Please handle it now."),
    },
    "case_overdue": {
        "zh": _Template("办件已超期", "办件 {case_no}（{service}）已于 {due_date} 超过办结时限，请立即办理并说明原因。"),
        "en": _Template("Case overdue",
                        "Case {case_no} ({service}) passed its deadline on {due_date}. "
                        "Please handle it now and record the reason for the delay."),
    },
}
# Security notices about the reader's own account: no case, nothing personal in the text.
_ACCOUNT_TEMPLATES: dict[str, dict[str, _Template]] = {
    "registration_attempted": {
        "zh": _Template("有人尝试用您的信息注册", "有人尝试用您的手机号或身份证号注册新的一网通办账号，未能成功。"
                                            "如果不是您本人操作，无需处理，您的账号不受影响；如有疑问请拨打 12345。"),
        "en": _Template("Someone tried to register with your details",
                        "Someone tried to open a new Yiwang account with your mobile number or resident ID "
                        "number and did not succeed. If it was not you, nothing is needed: your account is "
                        "unchanged. Questions: call 12345."),
    },
    "account_locked": {
        "zh": _Template("账号登录已暂停", "您的账号连续多次输入错误密码，{minutes} 分钟内暂停登录。"
                                        "如果不是您本人操作，可能有人在猜测您的密码，请拨打 12345。"),
        "en": _Template("Sign-in paused on your account",
                        "There were too many wrong passwords for your account: sign-in is paused for {minutes} "
                        "minutes. If it was not you, someone may be guessing your password; call 12345."),
    },
}
_LIST_SEPARATORS = {"zh": "、", "en": ", "}
_BROADCAST = "broadcast"
ACCOUNT_EVENTS = tuple(_ACCOUNT_TEMPLATES)
EVENTS = (*_CASE_TEMPLATES, *ACCOUNT_EVENTS, _BROADCAST)


def render(event: str, language: str | None, **context: Any) -> RenderedMessage:
    """The title, body and data of ``event`` in ``language`` (zh or en; anything else falls back to zh).

    Case events need ``service``, ``case_no`` and ``status`` plus what their text names (``missing`` —
    a list or a string —, ``reason``, ``reply``, ``due_date``). A broadcast needs ``title`` and ``body``
    and may carry ``broadcast_id``.
    """
    language = _language(language)
    if event == _BROADCAST:
        return _render_broadcast(context)
    if event in _ACCOUNT_TEMPLATES:
        template = _ACCOUNT_TEMPLATES[event][language]
        _require(event, context, _fields(template.body))
        body = template.body.format_map({name: str(value) for name, value in context.items()})
        return _fit(RenderedMessage(template.title, body, {"event": event}), MAX_PAYLOAD_BYTES)
    if event not in _CASE_TEMPLATES:
        raise ValueError(f"unknown notification event {event!r}; known: {', '.join(EVENTS)}")
    template = _CASE_TEMPLATES[event][language]
    _require(event, context, {"service", "case_no", "status", *_fields(template.body)})
    if "missing" in context and not isinstance(context["missing"], str):
        context["missing"] = _LIST_SEPARATORS[language].join(str(item) for item in context["missing"])
    values = {name: truncate(str(value), FIELD_MAX_CHARS.get(name, BODY_MAX_CHARS)) for name, value in context.items()}
    data = {"event": event, "case_no": str(context["case_no"]), "status": str(context["status"])}
    body = truncate(template.body.format_map(values), BODY_MAX_CHARS)
    return _fit(RenderedMessage(truncate(template.title, TITLE_MAX_CHARS), body, data), MAX_PAYLOAD_BYTES)


def _render_broadcast(context: Mapping[str, Any]) -> RenderedMessage:
    _require(_BROADCAST, context, {"title", "body"})
    data = {"event": _BROADCAST}
    if context.get("broadcast_id") is not None:
        data["broadcast_id"] = str(context["broadcast_id"])
    title = truncate(str(context["title"]), TITLE_MAX_CHARS)
    body = truncate(str(context["body"]), BROADCAST_BODY_MAX_CHARS)
    return _fit(RenderedMessage(title, body, data), MAX_TOPIC_PAYLOAD_BYTES)


def _language(language: str | None) -> str:
    primary = (language or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def _require(event: str, context: Mapping[str, Any], names: set[str]) -> None:
    missing = sorted(name for name in names if _blank(context.get(name)))
    if missing:
        raise ValueError(f"notification {event!r} needs {', '.join(missing)}")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | set) and not value)


def _fit(message: RenderedMessage, limit: int) -> RenderedMessage:
    """Shorten the body until the payload fits ``limit`` bytes (only ever needed for extreme inputs)."""
    if payload_size(message.title, message.body, message.data) <= limit:
        return message
    low, high = 0, len(message.body)  # the longest body length that fits lies in [low, high)
    while high - low > 1:
        middle = (low + high) // 2
        if payload_size(message.title, truncate(message.body, middle), message.data) <= limit:
            low = middle
        else:
            high = middle
    fitted = RenderedMessage(message.title, truncate(message.body, low), message.data)
    if payload_size(fitted.title, fitted.body, fitted.data) > limit:
        raise ValueError(f"notification title and data alone exceed {limit} bytes")
    return fitted


def truncate(text: str, max_chars: int) -> str:
    """``text`` cut to at most ``max_chars`` characters ending in "…", never inside a character.

    A "character" is what the reader sees: a letter with its combining marks, an emoji with its skin
    tone or variation selector, a ZWJ emoji sequence or a flag stays whole or goes whole.
    """
    if len(text) <= max_chars:
        return text
    if max_chars < 1:
        return ""
    cut = max_chars - len(ELLIPSIS)
    while 0 < cut < len(text) and _continues_cluster(text, cut):
        cut -= 1
    return text[:cut].rstrip() + ELLIPSIS


def _continues_cluster(text: str, index: int) -> bool:
    """Whether ``text[index]`` still belongs to the character that ``text[index - 1]`` is part of."""
    current, previous = text[index], text[index - 1]
    if previous == "\u200d" or _is_extender(current):
        return True
    if _is_regional_indicator(current) and _is_regional_indicator(previous):
        run = 0  # flags are pairs of regional indicators: split only between pairs
        while index - run - 1 >= 0 and _is_regional_indicator(text[index - run - 1]):
            run += 1
        return run % 2 == 1
    return False


def _is_extender(char: str) -> bool:
    code = ord(char)
    return (unicodedata.category(char) in ("Mn", "Me", "Mc") or code == 0x200D
            or 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF
            or 0xE0020 <= code <= 0xE007F or 0xE0100 <= code <= 0xE01EF)


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF

