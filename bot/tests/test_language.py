import pytest
from conftest import make_tracker, run_action
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet

from actions.language import ActionDetectLanguage, language_from_metadata, language_from_text
from actions.session import ActionSessionStart


@pytest.mark.parametrize(("text", "language"), [
    ("办营业执照需要什么材料", "zh"),
    ("我的ID card到期了", "zh"),
    ("how do I renew my 身份证", "en"),
    ("hello", "en"),
    ("what documents do I need", "en"),
    ("ok", None),
    ("C1", None),
    ("13812345678", None),
    ('/ask_service_fee{"service": "YW-SCJG-001"}', None),
    ("", None),
])
def test_language_from_text(text, language):
    assert language_from_text(text) == language


@pytest.mark.parametrize(("metadata", "language"), [
    ({"language": "en-GB"}, "en"), ({"language": "zh_CN"}, "zh"), ({"language": "fr"}, None), ({}, None),
    ({"language": 3}, None)])
def test_language_from_metadata(metadata, language):
    assert language_from_metadata(metadata) == language


def test_english_text_switches_the_slot(dispatcher):
    tracker = make_tracker("how long does it take", slots={"language": "zh"})

    assert run_action(ActionDetectLanguage(), dispatcher, tracker, {}) == [SlotSet("language", "en")]


def test_unclear_text_keeps_the_current_language(dispatcher):
    tracker = make_tracker("ok", slots={"language": "en"}, metadata={"language": "zh"})

    assert run_action(ActionDetectLanguage(), dispatcher, tracker, {}) == []


def test_unclear_text_without_a_language_takes_the_apps_locale(dispatcher):
    tracker = make_tracker("13812345678", slots={"language": None}, metadata={"language": "en-US"})

    assert run_action(ActionDetectLanguage(), dispatcher, tracker, {}) == [SlotSet("language", "en")]


def test_answers_inside_a_form_do_not_switch_the_language(dispatcher):
    tracker = make_tracker("Acme Trading Limited", slots={"language": "zh"}, active_loop="application_form")

    assert run_action(ActionDetectLanguage(), dispatcher, tracker, {}) == []


def test_session_start_sets_the_language_from_the_first_messages_metadata(dispatcher):
    tracker = make_tracker(slots={"session_started_metadata": {"language": "en", "token": "t"}})

    assert run_action(ActionSessionStart(), dispatcher, tracker, {}) == [
        SessionStarted(), SlotSet("language", "en"), ActionExecuted("action_listen")]


def test_session_start_without_metadata(dispatcher):
    tracker = make_tracker(slots={"session_started_metadata": None})

    assert run_action(ActionSessionStart(), dispatcher, tracker, {}) == [SessionStarted(), ActionExecuted("action_listen")]
