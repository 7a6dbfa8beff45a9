from conftest import make_tracker, run_action, texts

from actions.handoff import ActionHandover


def test_hand_over_says_what_to_do_and_gives_the_conversation_reference(dispatcher):
    tracker = make_tracker("我要投诉，窗口工作人员态度很差", "human_handoff", metadata={"conversation_id": "AbC123xyz_-9"})

    assert run_action(ActionHandover(), dispatcher, tracker, {}) == []

    [text] = texts(dispatcher)
    assert "12345" in text and "24 小时" in text and "AbC123xyz_-9" in text and "投诉" in text
    assert dispatcher.messages[0]["custom"] == {"kind": "handover"}


def test_without_the_apps_conversation_id_the_sender_id_is_the_reference(dispatcher):
    run_action(ActionHandover(), dispatcher, make_tracker("talk to a human", "human_handoff", slots={"language": "en"}), {})
    assert "user-1" in texts(dispatcher)[0] and texts(dispatcher)[0].startswith("I'm handing you over")
