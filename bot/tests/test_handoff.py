from conftest import make_tracker, run_action, texts

from actions.handoff import ActionFallback


def user(intent):
    return {"event": "user", "text": "…", "parse_data": {"intent": {"name": intent, "confidence": 0.2}}}


def test_first_fallback_asks_to_rephrase(dispatcher):
    tracker = make_tracker("嗯嗯啊啊", "nlu_fallback", events=[user("greet"), {"event": "action", "name": "utter_greet"}])

    assert run_action(ActionFallback(), dispatcher, tracker, {}) == []
    assert texts(dispatcher) == [
        "抱歉，我没有理解您的意思。能换个说法吗？您可以问我某个事项的材料、时限、费用、地点，政策问题，或您的办件进度。"]


def test_second_fallback_in_a_row_hands_over(dispatcher):
    tracker = make_tracker("啊啊啊", "nlu_fallback",
                           events=[user("nlu_fallback"), {"event": "action", "name": "action_fallback"}])

    run_action(ActionFallback(), dispatcher, tracker, {})

    [message] = dispatcher.messages
    assert (message["response"], message["text"]) == ("utter_handoff", None)


def test_a_fallback_in_an_earlier_session_does_not_count(dispatcher):
    tracker = make_tracker("啊啊啊", "nlu_fallback", slots={"language": "en"},
                           events=[user("nlu_fallback"), {"event": "session_started"}])

    run_action(ActionFallback(), dispatcher, tracker, {})

    assert texts(dispatcher)[0].startswith("Sorry, I didn't quite understand.")
