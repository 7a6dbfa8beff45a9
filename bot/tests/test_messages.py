from rasa_sdk.executor import CollectingDispatcher

from actions.messages import TEXTS, mask_id_numbers, say


def test_id_numbers_are_masked_but_case_numbers_and_phones_are_not():
    text = "身份证 11010519491231002X，办件 YW20250301000012，电话 13812345678，账号 6222021234567890123"

    assert mask_id_numbers(text) == (
        "身份证 110105********002X，办件 YW20250301000012，电话 13812345678，账号 6222021234567890123")


def test_say_masks_text_and_button_titles():
    dispatcher = CollectingDispatcher()

    say(dispatcher, "zh", "case_not_found", buttons=[{"title": "110105194912310021", "payload": "x"}],
        case_no="110105194912310021")

    assert dispatcher.messages[0]["text"] == "您名下没有编号为 110105********0021 的办件，请核对编号。"
    assert dispatcher.messages[0]["buttons"] == [{"title": "110105********0021", "payload": "x"}]


def test_every_text_exists_in_both_languages_with_the_same_placeholders():
    import string

    for key, variants in TEXTS.items():
        assert set(variants) == {"zh", "en"}, key
        names = [{f for _, f, _, _ in string.Formatter().parse(v) if f} for v in variants.values()]
        assert names[0] == names[1], key
