"""Score NLU pipelines on the held-out messages and write docs/assistant-quality.md.

For each pipeline config: train an NLU model (``rasa train nlu``, timed), parse every message of
``tests/heldout_nlu.yml`` and record the top intent before the fallback (its confidence, the runner-up's)
and the response selector's key for retrieval intents. Then, per pipeline:
- intent accuracy (top intent, no fallback), overall and per language;
- at each fallback threshold: answered / wrong-answer / hand-over rates. A wrong answer is a message
  answered with another intent than expected; a hand-over is a message under the threshold (for
  out-of-scope, abuse and hand-over requests the hand-over is the right outcome, not a wrong answer).
The threshold is chosen on one half of the held-out set (every other message of each intent) as the
lowest threshold whose wrong-answer rate is at most 3 %, and reported on the other half too, so the
figures are not only measured on the data they were tuned on.

The report's measured part sits between two HTML comments and is replaced on every run; text around
them (how the set was used, earlier rounds) is kept.

Usage (from bot/): ``.venv/bin/python scripts/evaluate_heldout.py [--reuse] [--full-train] [--render-only]``
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

BOT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BOT_DIR))  # the pipelines name their custom components as components.*
REPORT = BOT_DIR.parent / "docs" / "assistant-quality.md"
HELDOUT = BOT_DIR / "tests" / "heldout_nlu.yml"
EVAL_DIR = BOT_DIR / "models" / "eval"
RESULTS_FILE = BOT_DIR / "results" / "heldout_predictions.json"
CHOSEN = "config.yml"
CANDIDATES = [CHOSEN, "pipelines/e5_svm.yml", "pipelines/sparse_diet.yml", "pipelines/sparse_e5_diet.yml",
              "pipelines/sparse_e5_logreg.yml"]
THRESHOLDS = [0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
MAX_WRONG = 0.03
START, END = "<!-- measured: start (scripts/evaluate_heldout.py) -->", "<!-- measured: end -->"
HANDOVER_INTENTS = {"out_of_scope", "abuse", "human_handoff"}
FALLBACK = "nlu_fallback"
CJK = re.compile(r"[\u4e00-\u9fff]")
# No training cache, so that the times are those of a clean training.
TRAIN_ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "RASA_MAX_CACHE_SIZE": "0"}


@dataclass
class Example:
    text: str
    label: str  # intent, or intent/response_key for retrieval intents

    @property
    def intent(self) -> str:
        return self.label.split("/")[0]

    @property
    def language(self) -> str:
        return "zh" if CJK.search(self.text) else "en"


@dataclass
class Prediction:
    label: str
    confidence: float
    margin: float  # top confidence minus the runner-up's (FallbackClassifier's ambiguity check)


def load_heldout(path: Path = HELDOUT) -> list[Example]:
    examples = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        for line in block["examples"].splitlines():
            if line.strip().startswith("- "):
                examples.append(Example(line.strip()[2:].strip(), block["intent"]))
    return examples


def fallback_settings(config: Path) -> tuple[float, float]:
    for component in yaml.safe_load(config.read_text(encoding="utf-8"))["pipeline"]:
        if component["name"] == "FallbackClassifier":
            return float(component.get("threshold", 0.3)), float(component.get("ambiguity_threshold", 0.1))
    return 0.0, 0.0


def model_name(config: str) -> str:
    return Path(config).stem


def train(config: str) -> float:
    """Train an NLU-only model for ``config``; returns the wall-clock seconds."""
    rasa = str(Path(sys.executable).with_name("rasa"))
    command = [rasa, "train", "nlu", "-c", config, "--domain", "domain", "--nlu", "data/nlu",
               "--out", str(EVAL_DIR), "--fixed-model-name", model_name(config)]
    started = time.monotonic()
    subprocess.run(command, cwd=BOT_DIR, check=True, stdout=subprocess.DEVNULL, env=TRAIN_ENV)
    return time.monotonic() - started


def full_train(config: str, out: Path) -> float:
    rasa = str(Path(sys.executable).with_name("rasa"))
    command = [rasa, "train", "-c", config, "--domain", "domain", "--data", "data", "--out", str(out),
               "--fixed-model-name", model_name(config) + "-full", "--force"]
    started = time.monotonic()
    subprocess.run(command, cwd=BOT_DIR, check=True, stdout=subprocess.DEVNULL, env=TRAIN_ENV)
    return time.monotonic() - started


def predict(config: str, examples: list[Example]) -> list[Prediction]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(EVAL_DIR / f"{model_name(config)}.tar.gz"))

    async def parse_all() -> list[dict]:
        return [await agent.parse_message(example.text) for example in examples]

    return [_prediction(parsed) for parsed in asyncio.run(parse_all())]


def _prediction(parsed: dict) -> Prediction:
    ranking = [r for r in parsed.get("intent_ranking") or [] if r["name"] != FALLBACK]
    if not ranking:
        return Prediction(FALLBACK, 0.0, 0.0)
    top = ranking[0]
    margin = top["confidence"] - (ranking[1]["confidence"] if len(ranking) > 1 else 0.0)
    label = top["name"]
    selector = (parsed.get("response_selector") or {}).get(label)
    if selector:
        label = selector["response"].get("intent_response_key") or label
    return Prediction(label, float(top["confidence"]), float(margin))


def outcome(example: Example, prediction: Prediction, threshold: float, ambiguity: float) -> str:
    """"right", "wrong" or "handover" for one message at one fallback setting."""
    if prediction.confidence < threshold or prediction.margin < ambiguity:
        return "handover"
    if prediction.label == example.label:
        return "right"
    if example.intent in HANDOVER_INTENTS and prediction.label.split("/")[0] in HANDOVER_INTENTS:
        return "handover"
    return "wrong"


def rates(pairs, threshold: float, ambiguity: float) -> dict[str, float]:
    counts = Counter(outcome(e, p, threshold, ambiguity) for e, p in pairs)
    total = max(len(pairs), 1)
    return {key: counts[key] / total for key in ("right", "wrong", "handover")} | {"n": len(pairs)}


def split_halves(examples: list[Example]) -> tuple[list[int], list[int]]:
    """Every other message of each label: one half tunes the threshold, the other checks it."""
    seen: Counter = Counter()
    tune, check = [], []
    for index, example in enumerate(examples):
        (tune if seen[example.label] % 2 == 0 else check).append(index)
        seen[example.label] += 1
    return tune, check


def choose_threshold(pairs, ambiguity: float) -> float:
    for threshold in THRESHOLDS:
        if rates(pairs, threshold, ambiguity)["wrong"] <= MAX_WRONG:
            return threshold
    return THRESHOLDS[-1]


def accuracy(pairs) -> float:
    return sum(p.label == e.label for e, p in pairs) / max(len(pairs), 1)


def per_label_report(pairs) -> list[tuple[str, float, float, float, int]]:
    true_positive: Counter = Counter()
    predicted: Counter = Counter()
    support: Counter = Counter()
    for example, prediction in pairs:
        support[example.label] += 1
        predicted[prediction.label] += 1
        true_positive[example.label] += prediction.label == example.label
    rows = []
    for label in sorted(support):
        precision = true_positive[label] / predicted[label] if predicted[label] else 0.0
        recall = true_positive[label] / support[label]
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append((label, precision, recall, f1, support[label]))
    return rows


def confusions(pairs, limit: int = 15) -> list[tuple[str, str, int]]:
    pairs_count = Counter((e.label, p.label) for e, p in pairs if e.label != p.label)
    return [(a, b, n) for (a, b), n in pairs_count.most_common(limit)]


def pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def render(results: dict, examples: list[Example], full_times: dict[str, float]) -> str:
    tune, check = split_halves(examples)
    chosen = results[CHOSEN]
    threshold, ambiguity = fallback_settings(BOT_DIR / CHOSEN)
    chosen_pairs = list(zip(examples, chosen["predictions"], strict=True))
    lines = [
        f"Measured {dt.date.today().isoformat()} on {platform.node() or 'this machine'} "
        f"({os.cpu_count()} cores, shared with other jobs), Python {platform.python_version()}, "
        "Rasa 3.6.21. Written by `bot/scripts/evaluate_heldout.py`; rerun it after changing the NLU data "
        "or the pipeline:",
        "",
        "```",
        "cd bot && .venv/bin/python scripts/evaluate_heldout.py",
        "```",
        "",
        f"The held-out set `bot/tests/heldout_nlu.yml` has {len(examples)} messages "
        f"({sum(e.language == 'zh' for e in examples)} Chinese, {sum(e.language == 'en' for e in examples)} "
        f"English, {len({e.label for e in examples})} labels), written apart from the training data "
        "(other phrasings, typos, colloquial Chinese) and never trained on. A retrieval intent counts as "
        "right only with the right response (`faq/privacy`).",
        "",
        "Outcomes at a fallback threshold: **right** (expected intent above the threshold), **hand-over** "
        "(below the threshold, or under the ambiguity margin: the bot asks to rephrase, then hands over "
        "to 12345; for out-of-scope, abuse and hand-over requests any hand-over intent counts here too), "
        "**wrong** (answered with another intent). Wrong answers are worse than a hand-over.",
        "",
        "### Pipelines compared",
        "",
        "| pipeline | intent accuracy | zh | en | NLU training time |",
        "| --- | --- | --- | --- | --- |",
    ]
    for config, result in results.items():
        pairs = list(zip(examples, result["predictions"], strict=True))
        by_language = {lang: [(e, p) for e, p in pairs if e.language == lang] for lang in ("zh", "en")}
        marker = " (chosen)" if config == CHOSEN else ""
        lines.append(
            f"| `{config}`{marker}: {result['title']} | {accuracy(pairs):.3f} | {accuracy(by_language['zh']):.3f} "
            f"| {accuracy(by_language['en']):.3f} | {result['train_seconds']:.0f} s |"
        )
    lines += [
        "",
        "Intent accuracy is the top intent before the fallback, over all messages.",
        "",
        "### Fallback threshold sweep",
        "",
        f"Ambiguity margin as configured ({ambiguity}). Per pipeline: the share of all held-out messages "
        "that are right / wrong / handed over.",
        "",
        "| pipeline | " + " | ".join(f"t={t}" for t in THRESHOLDS) + " |",
        "| --- | " + " | ".join("---" for _ in THRESHOLDS) + " |",
    ]
    for config, result in results.items():
        pairs = list(zip(examples, result["predictions"], strict=True))
        cells = []
        for t in THRESHOLDS:
            r = rates(pairs, t, ambiguity)
            cells.append(f"{pct(r['right'])} / {pct(r['wrong'])} / {pct(r['handover'])}")
        lines.append(f"| `{config}` | " + " | ".join(cells) + " |")
    tune_pairs = [chosen_pairs[i] for i in tune]
    check_pairs = [chosen_pairs[i] for i in check]
    tuned = choose_threshold(tune_pairs, ambiguity)
    at_config = rates(chosen_pairs, threshold, ambiguity)
    at_check = rates(check_pairs, threshold, ambiguity)
    lines += [
        "",
        "### Chosen setting",
        "",
        f"Lowest threshold whose wrong-answer rate is at most {pct(MAX_WRONG)} on the tuning half "
        f"({len(tune)} messages): **{tuned}**. `bot/config.yml` uses **{threshold}** "
        f"(ambiguity margin {ambiguity}).",
        "",
        "| set | messages | right | wrong answers | hand-over |",
        "| --- | --- | --- | --- | --- |",
        f"| all held-out | {at_config['n']} | {pct(at_config['right'])} | {pct(at_config['wrong'])} | "
        f"{pct(at_config['handover'])} |",
        f"| checking half (not used to tune) | {at_check['n']} | {pct(at_check['right'])} | "
        f"{pct(at_check['wrong'])} | {pct(at_check['handover'])} |",
        "",
        f"### Per-label report (`{CHOSEN}`, top intent before the fallback)",
        "",
        "| label | precision | recall | f1 | support |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label, precision, recall, f1, support in per_label_report(chosen_pairs):
        lines.append(f"| {label} | {precision:.2f} | {recall:.2f} | {f1:.2f} | {support} |")
    lines += ["", "Most frequent confusions (expected → predicted, count):", ""]
    lines += [f"- {a} → {b}: {n}" for a, b, n in confusions(chosen_pairs)] or ["- none"]
    lines += ["", "### Training time and commands", ""]
    lines.append("NLU-only training per pipeline is in the first table "
                 "(`rasa train nlu -c CONFIG --domain domain --nlu data/nlu`).")
    if full_times:
        lines += ["", "Full training (NLU and dialogue policies, `rasa train -c CONFIG --force`, no cache):", ""]
        lines += [f"- `{config}`: {seconds:.0f} s" for config, seconds in full_times.items()]
    return "\n".join(lines) + "\n"


def write_report(measured: str) -> None:
    """Replace the measured block of the report, keeping the hand-written text around it."""
    old = REPORT.read_text(encoding="utf-8") if REPORT.exists() else ""
    if START in old and END in old:
        before, rest = old.split(START, 1)
        after = rest.split(END, 1)[1]
    else:
        before, after = "# Assistant quality (NLU on held-out messages)\n\n", ""
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(f"{before}{START}\n{measured}{END}{after}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="reuse models/eval/*.tar.gz and their times")
    parser.add_argument("--full-train", action="store_true", help="also time full training of config.yml "
                        "and config.test.yml")
    parser.add_argument("--render-only", action="store_true", help="rewrite the report from the last results")
    parser.add_argument("--configs", nargs="*", default=CANDIDATES)
    args = parser.parse_args(argv)
    os.chdir(BOT_DIR)
    examples = load_heldout()
    previous = json.loads(RESULTS_FILE.read_text()) if RESULTS_FILE.exists() else {"pipelines": {}}
    if args.render_only:
        results = {c: {**r, "predictions": [Prediction(**p) for p in r["predictions"]]}
                   for c, r in previous["pipelines"].items()}
        write_report(render(results, examples, previous.get("full_train_seconds", {})))
        return 0
    results = {}
    for config in args.configs:
        title = (BOT_DIR / config).read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
        model = EVAL_DIR / f"{model_name(config)}.tar.gz"
        if args.reuse and model.exists() and config in previous["pipelines"]:
            seconds = previous["pipelines"][config]["train_seconds"]
        else:
            seconds = train(config)
        predictions = predict(config, examples)
        results[config] = {"title": title, "train_seconds": seconds, "predictions": predictions}
        print(f"{config}: accuracy {accuracy(list(zip(examples, predictions, strict=True))):.3f}, "
              f"trained in {seconds:.0f} s", flush=True)
    full_times = previous.get("full_train_seconds", {})
    if args.full_train:
        full_times = {config: full_train(config, BOT_DIR / "models" / "timing")
                      for config in (CHOSEN, "config.test.yml")}
    RESULTS_FILE.parent.mkdir(exist_ok=True)
    RESULTS_FILE.write_text(json.dumps({
        "pipelines": {c: {"train_seconds": r["train_seconds"], "title": r["title"],
                          "predictions": [p.__dict__ for p in r["predictions"]]} for c, r in results.items()},
        "full_train_seconds": full_times}, ensure_ascii=False, indent=1))
    if CHOSEN in results:
        write_report(render(results, examples, full_times))
        print(f"wrote {REPORT}")
    with (RESULTS_FILE.parent / "heldout_errors.txt").open("w", encoding="utf-8") as errors:
        for config, result in results.items():
            errors.write(f"== {config}\n")
            for example, prediction in zip(examples, result["predictions"], strict=True):
                if prediction.label != example.label:
                    errors.write(f"{example.text} [{example.label} → {prediction.label} "
                                 f"{prediction.confidence:.2f}]\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
