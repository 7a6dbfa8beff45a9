import yaml
from conftest import BOT_DIR

# What the CI configuration may change, per component or policy name.
FASTER = {"SeededSklearnIntentClassifier": {"C", "gamma"}, "ResponseSelector": {"epochs"}, "TEDPolicy": {"epochs"}}


def load(name):
    return yaml.safe_load((BOT_DIR / name).read_text(encoding="utf-8"))


def without_speed_settings(items):
    return [{k: v for k, v in item.items() if k not in FASTER.get(item["name"].split(".")[-1], set())}
            for item in items]


def test_ci_config_differs_from_the_real_one_only_in_speed_settings():
    real, ci = load("config.yml"), load("config.test.yml")

    assert without_speed_settings(ci["pipeline"]) == without_speed_settings(real["pipeline"])
    assert without_speed_settings(ci["policies"]) == without_speed_settings(real["policies"])
    assert {k: v for k, v in ci.items() if k not in ("pipeline", "policies")} == {
        k: v for k, v in real.items() if k not in ("pipeline", "policies")}

