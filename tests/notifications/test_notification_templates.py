"""Templates: every event in both languages, fallback, required context, safe truncation, FCM size."""

import unicodedata

import pytest

from notifications.senders import MAX_PAYLOAD_BYTES, MAX_TOPIC_PAYLOAD_BYTES, payload_size
from notifications.templates import ACCOUNT_EVENTS, ELLIPSIS, EVENTS, render, truncate

CASE = {"service": "居民身份证换领", "case_no": "SZ2024-000123", "status": "accepted",
        "missing": ["户口簿原件", "近期免冠照片"], "reason": "申请材料与原件不一致",
        "reply": "窗口已增加叫号提醒", "due_date": "2024-06-03"}
BROADCAST = {"title": "暴雨红色预警", "body": "请减少外出，注意安全。", "broadcast_id": 7}
CASE_EVENTS = [event for event in EVENTS if event != "broadcast" and event not in ACCOUNT_EVENTS]


def context_for(event):
    if event in ACCOUNT_EVENTS:
        return {"minutes": 15}
    return BROADCAST if event == "broadcast" else CASE


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("event", EVENTS)
def test_every_event_renders_in_both_languages_within_fcm_limits(event, language):
    message = render(event, language, **context_for(event))

    assert message.title and message.body
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in message.data.items())
    assert message.data["event"] == event
    limit = MAX_TOPIC_PAYLOAD_BYTES if event == "broadcast" else MAX_PAYLOAD_BYTES
    assert payload_size(message.title, message.body, message.data) <= limit


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("event", CASE_EVENTS)
def test_case_messages_name_the_case_and_carry_deep_link_data(event, language):
    message = render(event, language, **CASE)

    assert "SZ2024-000123" in message.body
    assert "居民身份证换领" in message.body
    assert message.data == {"event": event, "case_no": "SZ2024-000123", "status": "accepted"}


def test_chinese_and_english_texts_differ_and_tell_the_next_step():
    zh = render("supplement_requested", "zh", **CASE)
    en = render("supplement_requested", "en", **CASE)

    assert zh.body != en.body
    assert "户口簿原件、近期免冠照片" in zh.body and "上传" in zh.body
    assert "户口簿原件, 近期免冠照片" in en.body and "Upload" in en.body


@pytest.mark.parametrize(("language", "expected"), [("fr", "zh"), (None, "zh"), ("", "zh"), ("en-US", "en"),
                                                     ("zh_Hans_CN", "zh"), ("EN", "en")])
def test_languages_fall_back_to_chinese(language, expected):
    assert render("case_accepted", language, **CASE) == render("case_accepted", expected, **CASE)


def test_a_very_long_reason_is_shortened_and_the_next_step_kept():
    reason = "材料不齐全" * 2000

    message = render("case_not_accepted", "zh", **{**CASE, "reason": reason})

    assert ELLIPSIS in message.body
    assert message.body.endswith("请按说明修改后重新申请。")
    assert payload_size(message.title, message.body, message.data) <= MAX_PAYLOAD_BYTES


def test_a_long_broadcast_is_cut_to_the_topic_limit():
    message = render("broadcast", "zh", title="通知" * 100, body="🌧️请注意防范。" * 1000)

    assert message.title.endswith(ELLIPSIS) and message.body.endswith(ELLIPSIS)
    assert payload_size(message.title, message.body, message.data) <= MAX_TOPIC_PAYLOAD_BYTES
    assert message.data == {"event": "broadcast"}


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("办件编号", 10, "办件编号"),
        ("abcdef", 4, "abc…"),
        ("ab👍🏽cd", 4, "ab…"),  # the skin tone stays with its thumb
        ("a👨‍👩‍👧b", 6, "a…"),  # a ZWJ family is one character
        ("xe\u0301e\u0301e\u0301", 4, "xe\u0301…"),  # e + combining acute accent
        ("🇨🇳🇨🇳🇨🇳", 4, "🇨🇳…"),  # flags split only between pairs of regional indicators
        ("🇨🇳🇨🇳🇨🇳", 5, "🇨🇳🇨🇳…"),
    ],
)
def test_truncation_never_splits_a_character(text, limit, expected):
    assert truncate(text, limit) == expected


def test_truncation_keeps_every_kept_character_whole_on_mixed_text():
    text = "申请材料：户口簿👨‍👩‍👧、照片🇨🇳、Zoë\u0301 " * 50
    for limit in range(1, 120):
        cut = truncate(text, limit)
        assert len(cut) <= limit
        kept = cut[:-1]
        assert text.startswith(kept)
        assert not unicodedata.combining(text[len(kept)]) and text[len(kept)] != "\u200d"
        assert not kept.endswith("\u200d")


def test_missing_context_is_named():
    with pytest.raises(ValueError, match="reason"):
        render("case_rejected", "zh", service="居民身份证换领", case_no="SZ2024-000123", status="rejected")
    with pytest.raises(ValueError, match="missing"):
        render("supplement_requested", "zh", **{**CASE, "missing": []})


def test_an_unknown_event_is_refused():
    with pytest.raises(ValueError, match="unknown notification event"):
        render("case_teleported", "zh", **CASE)
