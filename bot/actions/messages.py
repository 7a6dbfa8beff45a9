"""What the custom actions say, in Chinese and English, and the one way they say it.

Texts that rules utter directly stay in the domain (``utter_*``); the ones only actions send live here so
that ``rasa data validate`` has no unused responses and the unit tests can assert the exact words.
Every reply goes through :func:`say`, which masks ID numbers (身份证号) so the bot never echoes one.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

# An 18-character resident ID number (17 digits and a digit or X) not glued to other digits.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")

TEXTS: dict[str, dict[str, str]] = {
    "backend_unavailable": {
        "zh": "抱歉，系统暂时无法访问，请稍后再试，或拨打 12345 政务服务便民热线。",
        "en": "Sorry, the service is unavailable right now. Please try again in a few minutes, "
        "or call the 12345 hotline.",
    },
    "sign_in": {
        "zh": "请先登录一网通办App，登录后我才能为您查询办件或在线申办。",
        "en": "Please sign in to the app first; then I can look up your applications and help you apply.",
    },
    "rephrase": {
        "zh": "抱歉，我没有理解您的意思。能换个说法吗？您可以问我某个事项的材料、时限、费用、地点，"
        "政策问题，或您的办件进度。",
        "en": "Sorry, I didn't quite understand. Could you say it another way? You can ask about a "
        "service's documents, time, fee or place, a policy, or your application.",
    },
    "policy_answer": {
        "zh": "{passage}\n——来源：{source}",
        "en": "Here is what the published policy says (quoted in Chinese):\n“{passage}”\nSource: {source}",
    },
    "policy_more": {
        "zh": "{passage}\n——来源：{source}",
        "en": "More from the published policy (quoted in Chinese):\n“{passage}”\nSource: {source}",
    },
    "nothing_more": {
        "zh": "这就是原文的全部相关内容了。您可以换个问题继续问我。",
        "en": "That is all the source says on this. Ask me something else if you like.",
    },
    "policy_unknown": {
        "zh": "抱歉，在已公开的政策中没有找到可靠的答案。如需咨询，请拨打 12345 政务服务便民热线（24 小时）。",
        "en": "Sorry, I found no reliable answer in the published policies. For help, call the 12345 "
        "government service hotline (24 hours).",
    },
    "no_reliable_answer": {
        "zh": "抱歉，我在办事指南和已公开的政策中都没有找到可靠的答案，不想乱猜。您可以拨打 12345 政务服务便民热线"
        "（24 小时）咨询该找哪个部门，或在工作时间（周一至周五 9:00-12:00，13:30-17:00）前往世纪大道1号市民中心窗口；"
        "回复「转人工」可转接人工服务。",
        "en": "Sorry, I found no reliable answer in the service guides or the published policies, and I won't "
        "guess. Call the 12345 government service hotline (24 hours) to find the right office, or visit the "
        "Citizen Centre at 1 Shiji Avenue (Mon-Fri 9:00-12:00, 13:30-17:00); say \"human\" to be handed over.",
    },
    "handover": {
        "zh": "已为您转人工服务。请拨打 12345 政务服务便民热线（24 小时），或在工作时间（周一至周五 9:00-12:00，"
        "13:30-17:00，法定节假日除外）前往世纪大道1号市民中心窗口；投诉请说明时间、地点和经过。"
        "请向工作人员提供会话编号 {reference}，他们可以据此查看本次对话。",
        "en": "I'm handing you over to a person. Call the 12345 government service hotline (24 hours), or visit "
        "the Citizen Centre at 1 Shiji Avenue, Mon-Fri 9:00-12:00 and 13:30-17:00 (closed on public "
        "holidays); for a complaint, say when, where and what happened. Give the conversation reference "
        "{reference} so staff can read this conversation.",
    },
    "service_choices": {
        "zh": "您要办的可能是以下事项之一：\n{names}\n请选择一个，我来介绍它。",
        "en": "You may mean one of these services:\n{names}\nPick one and I'll explain it.",
    },
    "service_match": {"zh": "根据您的描述，相关的事项是：", "en": "From what you describe, this is the service:"},
    "life_event": {
        "zh": "「{event}」一般需要依次办理：\n{steps}\n点选事项可查看办事指南。",
        "en": "{event} usually takes these services, in this order:\n{steps}\nTap a service to read its guide.",
    },
    "service_overview": {
        "zh": "「{service_name}」（{department}）\n{summary}\n办理对象：{for_whom}｜时限：{time_limit}｜"
        "收费：{fee}\n您可以继续问我：需要什么材料、多久办好、在哪里办、能否网上办。",
        "en": "{service_name} ({department})\n{summary}\nFor: {for_whom} · Time: {time_limit} · Fee: {fee}\n"
        "Ask me about its documents, time, fee, where to go, or whether it can be done online.",
    },
    "service_materials": {
        "zh": "办理「{service_name}」需要准备的材料：\n{materials}",
        "en": "Documents for {service_name}:\n{materials}",
    },
    "service_time": {
        "zh": "「{service_name}」：{time_limit}。\n办理流程：{steps}",
        "en": "{service_name}: {time_limit}.\nSteps: {steps}",
    },
    "service_fee": {"zh": "「{service_name}」：{fee}", "en": "{service_name}: {fee}"},
    "service_location": {
        "zh": "「{service_name}」\n办理地点：{address}\n办公时间：{hours}\n咨询电话：{phone}",
        "en": "{service_name}\nWhere: {address}\nOpening hours: {hours}\nEnquiries: {phone}",
    },
    "service_online": {
        "zh": "「{service_name}」：{online}\n办理渠道：{channels}；到现场次数：{visits}。",
        "en": "{service_name}: {online}\nChannels: {channels}. Visits needed: {visits}.",
    },
    "choose_service": {"zh": "请问您指的是哪一个事项？", "en": "Which service do you mean?"},
    "ask_which_service": {
        "zh": "请问是哪个事项？请告诉我事项名称，例如「营业执照」「身份证换领」。",
        "en": 'Which service is it about? Tell me its name, for example "business licence" or '
        '"ID card renewal".',
    },
    "service_not_found": {
        "zh": "抱歉，没有找到这个事项。您可以换个说法，例如「营业执照」「身份证换领」，或拨打 12345 热线咨询。",
        "en": 'Sorry, I could not find that service. Try another name, for example "business licence" '
        'or "ID card renewal", or call the 12345 hotline.',
    },
    "application_started": {
        "zh": "好的，我们来办理「{service_name}」，共 {count} 项信息。回复「取消」可随时退出。",
        "en": 'Let\'s apply for {service_name}. I will ask {count} questions; say "cancel" at any time '
        "to stop.",
    },
    "application_not_online": {
        "zh": "「{service_name}」暂不支持在对话中申办。您可以问我办理地点和所需材料。",
        "en": "{service_name} cannot be applied for by chat. Ask me where to go and what to bring.",
    },
    "ask_field": {"zh": "（{position}/{total}）请填写「{label}」{hint}", "en": "({position}/{total}) {label}?{hint}"},
    "field_invalid": {"zh": "「{label}」{message}", "en": "{label}: {message}"},
    "summary": {
        "zh": "请核对「{service_name}」的申请信息：\n{summary}\n确认提交吗？",
        "en": "Please check your application for {service_name}:\n{summary}\nSubmit it?",
    },
    "confirm_or_cancel": {
        "zh": "请回复「确认」提交，或回复「取消」退出。",
        "en": 'Please answer "yes" to submit or "cancel" to stop.',
    },
    "application_submitted": {
        "zh": "已提交！办件编号：{case_no}\n下一步：{next_step}",
        "en": "Submitted. Your case number is {case_no}.\nNext step: {next_step}",
    },
    "application_rejected": {
        "zh": "申请未能提交：{errors}\n您可以重新申办，或拨打 12345 热线咨询。",
        "en": "The application was not accepted: {errors}\nYou can start again, or call the 12345 hotline.",
    },
    "application_cancelled": {
        "zh": "好的，已取消本次申办，没有提交任何信息。",
        "en": "OK, the application is cancelled and nothing was submitted.",
    },
    "open_cases": {
        "zh": "您有 {count} 件正在办理的事项：\n{cases}",
        "en": "You have {count} open application(s):\n{cases}",
    },
    "no_open_cases": {"zh": "您目前没有正在办理的事项。", "en": "You have no open applications."},
    "case_detail": {
        "zh": "{case_no}「{service_name}」\n状态：{status}\n下一步：{next_step}\n预计办结：{due_date}",
        "en": "{case_no} · {service_name}\nStatus: {status}\nNext step: {next_step}\nDue: {due_date}",
    },
    "case_not_found": {
        "zh": "您名下没有编号为 {case_no} 的办件，请核对编号。",
        "en": "I found no application {case_no} under your account. Please check the number.",
    },
}


# What kind of reply each text is (the API passes it on as the reply's ``kind``, docs/api.md).
KINDS: dict[str, str] = {
    "backend_unavailable": "abstain", "sign_in": "case", "rephrase": "fallback", "policy_answer": "answer",
    "policy_more": "answer", "nothing_more": "answer", "policy_unknown": "abstain", "no_reliable_answer": "abstain",
    "handover": "handover", "service_choices": "choices", "service_match": "answer", "life_event": "answer",
    "choose_service": "choices", "ask_which_service": "fallback", "service_not_found": "abstain",
    "application_started": "form", "application_not_online": "answer", "ask_field": "form",
    "field_invalid": "form", "summary": "form", "confirm_or_cancel": "form", "application_submitted": "form",
    "application_rejected": "form", "application_cancelled": "form", "open_cases": "case",
    "no_open_cases": "case", "case_detail": "case", "case_not_found": "case",
}


def mask_id_numbers(text: str) -> str:
    """Hide the middle of every 18-character ID number: 110101********123X."""
    return ID_NUMBER.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)


def text(key: str, language: str, **values: Any) -> str:
    templates = TEXTS[key]
    return templates.get(language, templates[DEFAULT_LANGUAGE]).format(**values)


def say(
    dispatcher: CollectingDispatcher,
    language: str,
    key: str,
    buttons: list[dict[str, str]] | None = None,
    **values: Any,
) -> None:
    """Send one text from :data:`TEXTS`, filled in and with ID numbers masked, with its kind (:data:`KINDS`)."""
    message = mask_id_numbers(text(key, language, **values))
    masked_buttons = [{**b, "title": mask_id_numbers(b["title"])} for b in buttons or []]
    dispatcher.utter_message(text=message, buttons=masked_buttons, json_message={"kind": KINDS.get(key, "answer")})
