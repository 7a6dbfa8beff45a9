from conftest import BOT_DIR

from scripts.evaluate_heldout import (
    Example,
    Prediction,
    choose_threshold,
    load_heldout,
    outcome,
    per_label_report,
    rates,
    split_halves,
)


def test_outcomes_at_a_threshold():
    policy = Example("电子政务是什么", "ask_policy")

    assert outcome(policy, Prediction("ask_policy", 0.8, 0.5), 0.5, 0.05) == "right"
    assert outcome(policy, Prediction("ask_service_overview", 0.8, 0.5), 0.5, 0.05) == "wrong"
    assert outcome(policy, Prediction("ask_service_overview", 0.4, 0.3), 0.5, 0.05) == "handover"
    assert outcome(policy, Prediction("ask_policy", 0.8, 0.01), 0.5, 0.05) == "handover"


def test_any_hand_over_intent_is_a_hand_over_for_out_of_scope_messages():
    joke = Example("tell me a joke", "out_of_scope")

    assert outcome(joke, Prediction("abuse", 0.9, 0.5), 0.5, 0.05) == "handover"
    assert outcome(joke, Prediction("chitchat/capabilities", 0.9, 0.5), 0.5, 0.05) == "wrong"


def test_retrieval_intents_need_the_right_response():
    question = Example("is my data safe", "faq/privacy")

    assert outcome(question, Prediction("faq/privacy", 0.9, 0.5), 0.5, 0.05) == "right"
    assert outcome(question, Prediction("faq/sign_in", 0.9, 0.5), 0.5, 0.05) == "wrong"


def test_rates_and_the_lowest_threshold_under_the_wrong_answer_limit():
    examples = [Example(str(i), "greet") for i in range(10)]
    predictions = [Prediction("greet", 0.9, 0.9)] * 8 + [Prediction("goodbye", 0.25, 0.1),
                                                         Prediction("goodbye", 0.45, 0.2)]
    pairs = list(zip(examples, predictions, strict=True))

    assert rates(pairs, 0.3, 0.05) == {"right": 0.8, "wrong": 0.1, "handover": 0.1, "n": 10}
    assert choose_threshold(pairs, 0.05) == 0.5


def test_halves_split_every_label():
    examples = [Example("a", "x"), Example("b", "x"), Example("c", "y"), Example("d", "x"), Example("e", "y")]

    assert split_halves(examples) == ([0, 2, 3], [1, 4])


def test_per_label_report():
    pairs = [(Example("a", "x"), Prediction("x", 1, 1)), (Example("b", "x"), Prediction("y", 1, 1)),
             (Example("c", "y"), Prediction("y", 1, 1))]

    assert per_label_report(pairs) == [("x", 1.0, 0.5, 2 / 3, 2), ("y", 0.5, 1.0, 2 / 3, 1)]


def test_the_held_out_set_is_large_enough_bilingual_and_never_trained_on():
    import re

    import yaml

    examples = load_heldout()
    trained = set()
    for path in (BOT_DIR / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in block.get("examples", "").splitlines() if "intent" in block else []:
                trained.add(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.strip()[2:]).strip().lower())

    assert len(examples) >= 150
    assert min(sum(e.language == lang for e in examples) for lang in ("zh", "en")) >= 60
    assert not [e.text for e in examples if e.text.lower() in trained]
