"""The assistant on messages as citizens type them (issue #10): bench/data/assistant_eval.yml against POST /chat.

Sends every item of the evaluation set as a new conversation to a running API (``make run``), in the item's
language (``Accept-Language``), signed in as the demo citizen for the items that need it, grades each reply
against the item's expected outcome and reports, per language and overall:

- **answered correctly**: the expected service(s), the answering passage, the citizen's open cases, or a
  polite small-talk reply;
- **handed over or abstained correctly**: complaints and asks for a person handed over, off-catalogue,
  off-topic and unanswerable questions declined without an answer;
- **wrong**: a substantive answer that is not the expected one (another service, another passage, only part
  of a life event's services, an answer where it should abstain): the figure that matters most;
- **unhelpful**: a fallback, a request to rephrase, or an abstention where an answer was expected;
- **errors**: HTTP errors, timeouts and "the system is unavailable" replies.

A reply's kind comes from the API's ``kind`` field when it has one (answer, choices, abstain, handover,
fallback, form, smalltalk, case); otherwise from the texts of the current bot (bot/actions/messages.py, the
domain's responses, the API's own no-answer text), matched exactly or as templates.

    .venv/bin/python -m bench.assistant_eval [--base-url http://127.0.0.1:8000/api/v1] [--label before]

Writes bench/results/assistant_eval-<label>-<time>.json (every reply and its grade) and .md (the summary
for docs/assistant-quality.md). About 350 messages at most 10 per second: a few minutes.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data" / "assistant_eval.yml"
RESULTS = ROOT / "bench" / "results"
CATALOGUE = ROOT / "models" / "demo_data" / "catalogue.json"
SEED_POLICY = ROOT / "models" / "demo_data" / "policies" / "dianzi-zhengwu-yu-gonggong-fuwu.txt"
BOT = ROOT / "bot"
API_PO = ROOT / "api" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"

CITIZEN = {"phone": "13800000001", "password": "Citizen#2026"}
ACCEPT_LANGUAGE = {"zh": "zh-CN", "en": "en"}
LANGUAGES = ("zh", "en")

# Grades.
CORRECT_ANSWER = "correct_answer"  # answered correctly
CORRECT_NON_ANSWER = "correct_non_answer"  # handed over or abstained correctly
WRONG = "wrong"
UNHELPFUL = "unhelpful"
ERROR = "error"
GRADES = (CORRECT_ANSWER, CORRECT_NON_ANSWER, WRONG, UNHELPFUL, ERROR)

# Reply kinds (the new API's ``kind`` values, plus "error"). Several replies to one message: the first of
# this order wins, so an answer followed by a hint is an answer.
KIND_PRIORITY = ("error", "answer", "choices", "case", "form", "handover", "abstain", "smalltalk", "fallback")
SUBSTANTIVE_KINDS = {"answer", "choices", "case", "form"}
# "Hands over": the hand-over kind, or a reply that points to the 12345 hotline or a person (人工).
HANDOVER_MARKERS = ("12345", "人工")
# A reply quoting this many consecutive characters of the seed policy cites a passage of it.
PASSAGE_NGRAM = 12
CASE_NO = re.compile(r"YW\d{14}")
MARKUP = re.compile(r"</?[a-zA-Z][^>]*>")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def normalize(text: str) -> str:
    """For comparing phrases: no markup, NFKC (full-width digits and brackets), no white space, case-folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", MARKUP.sub("", text or ""))).casefold()


# --- the set ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    id: str
    lang: str
    category: str
    text: str
    expect: dict[str, Any]
    signed_in: bool = False

    @property
    def outcome(self) -> str:
        return self.expect["outcome"]


def load_items(path: Path = DATA) -> list[Item]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Item(id=i["id"], lang=i["lang"], category=i["category"], text=i["text"], expect=i["expect"],
                 signed_in=bool(i.get("signed_in"))) for i in document["items"]]


def service_names(catalogue_path: Path = CATALOGUE) -> dict[str, list[str]]:
    """Each service's code and the ways a reply can name it: its Chinese and English names, also without a
    bracketed tail (新办纳税人涉税事项（税务登记信息确认） → 新办纳税人涉税事项), normalized."""
    catalogue = json.loads(catalogue_path.read_text(encoding="utf-8"))
    names: dict[str, list[str]] = {}
    for service in catalogue["services"]:
        variants = {service["code"]}
        for name in service["name"].values():
            variants.add(name)
            variants.add(re.split(r"[（(]", name)[0])
        names[service["code"]] = sorted({normalize(v) for v in variants if v.strip()})
    return names


def named_services(text: str, names: dict[str, list[str]]) -> set[str]:
    reply = normalize(text)
    return {code for code, variants in names.items() if any(v in reply for v in variants)}


def seed_ngrams(path: Path = SEED_POLICY, n: int = PASSAGE_NGRAM) -> frozenset[str]:
    text = path.read_text(encoding="utf-8")
    if text.startswith("---"):  # front matter
        text = text.split("---", 2)[2]
    body = "".join(normalize(line) for line in text.splitlines())
    return frozenset(body[i : i + n] for i in range(len(body) - n + 1))


def cites_passage(text: str, ngrams: frozenset[str], n: int = PASSAGE_NGRAM) -> bool:
    reply = normalize(text)
    return any(reply[i : i + n] in ngrams for i in range(len(reply) - n + 1))


@lru_cache(maxsize=1)
def seed_passages() -> tuple[str, ...]:
    """The seed policy's passages as the search indexes them (normalized): to tell a wrong passage from the
    right one cut before its answering sentence."""
    from models.policies.search.passages import split_document

    text = SEED_POLICY.read_text(encoding="utf-8")
    if text.startswith("---"):
        text = text.split("---", 2)[2]
    return tuple(normalize(p.text) for p in split_document(text, title="电子政务与公共服务"))


def quotes_answering_passage(text: str, evidence: Iterable[str], n: int = PASSAGE_NGRAM) -> bool:
    """Whether the reply quotes a passage that holds one of the evidence phrases (without the phrase)."""
    phrases = [normalize(e) for e in evidence]
    answering = [p for p in seed_passages() if any(e in p for e in phrases)]
    reply = normalize(text)
    grams = {reply[i : i + n] for i in range(len(reply) - n + 1)}
    return any(g in p for p in answering for g in grams)


# --- the current bot's texts --------------------------------------------------------------------------

# messages.py keys and domain responses that are not answers (everything not listed here is an answer).
ACTION_TEXT_KINDS = {
    "backend_unavailable": "error",
    "sign_in": "fallback",
    "rephrase": "fallback",
    "ask_which_service": "fallback",
    "policy_unknown": "abstain",
    "service_not_found": "abstain",
    "choose_service": "choices",
    "application_started": "form",
    "application_not_online": "form",
    "ask_field": "form",
    "field_invalid": "form",
    "summary": "form",
    "confirm_or_cancel": "form",
    "application_submitted": "form",
    "application_rejected": "form",
    "application_cancelled": "form",
    "open_cases": "case",
    "no_open_cases": "case",
    "case_detail": "case",
    "case_not_found": "case",
}
DOMAIN_KINDS = {
    "utter_handoff": "handover",
    "utter_out_of_scope": "abstain",
    "utter_ask_what_help": "fallback",
}
DOMAIN_SMALLTALK = ("utter_greet", "utter_goodbye", "utter_you_are_welcome", "utter_abuse", "utter_chitchat/",
                    "utter_faq/")
API_NO_ANSWER = "Sorry, I have no answer to that right now."


def _template_pattern(template: str) -> re.Pattern[str]:
    parts = PLACEHOLDER.split(template)
    return re.compile(".*?".join(re.escape(normalize(p)) for p in parts), re.DOTALL)


def bot_texts(bot: Path = BOT, po: Path = API_PO) -> list[tuple[str, str]]:
    """(kind, template) for every non-answer text of the current bot, in zh and en."""
    texts: list[tuple[str, str]] = []
    module = ast.parse((bot / "actions" / "messages.py").read_text(encoding="utf-8"))
    for node in module.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and target.id == "TEXTS":
            for key, by_language in ast.literal_eval(node.value).items():
                if key in ACTION_TEXT_KINDS:
                    texts += [(ACTION_TEXT_KINDS[key], t) for t in by_language.values()]
    for path in sorted((bot / "domain").glob("*.yml")):
        for key, variants in (yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}).items():
            kind = DOMAIN_KINDS.get(key) or ("smalltalk" if key.startswith(DOMAIN_SMALLTALK) else None)
            if kind:
                texts += [(kind, v["text"]) for v in variants if v.get("text")]
    # The API's own text when Rasa answers nothing (api/resources/chat.py), in English and Chinese.
    catalog = po.read_text(encoding="utf-8") if po.exists() else ""
    match = re.search(r'msgid "(' + re.escape(API_NO_ANSWER) + r'[^"]*)"\s*\nmsgstr "([^"]*)"', catalog)
    if match:
        texts += [("fallback", match.group(1)), ("fallback", match.group(2))]
    else:
        texts.append(("fallback", API_NO_ANSWER))
    return texts


class TextClassifier:
    """The kind of one reply text of the current bot; unknown texts are answers."""

    # A template with fewer fixed characters ("{label}: {message}") would match any answer: left out.
    MIN_LITERAL = 6

    def __init__(self, texts: Iterable[tuple[str, str]]):
        self.patterns = [(kind, _template_pattern(t)) for kind, t in texts
                         if len(normalize(PLACEHOLDER.sub("", t))) >= self.MIN_LITERAL]

    def kind(self, text: str) -> str:
        reply = normalize(text)
        for kind, pattern in self.patterns:
            if pattern.fullmatch(reply):
                return kind
        return "answer"


# --- grading ------------------------------------------------------------------------------------------


@dataclass
class Reply:
    """What the API answered to one message."""

    status: int | None  # HTTP status, None for a timeout or a connection error
    body: dict[str, Any] | None = None
    error: str | None = None
    seconds: float = 0.0

    def texts(self) -> list[str]:
        replies = (self.body or {}).get("replies") or []
        return [r.get("text") or "" for r in replies]

    def full_text(self) -> str:
        """Texts, button titles and payloads: what can name a service or cite a passage."""
        parts = []
        for r in (self.body or {}).get("replies") or []:
            parts.append(r.get("text") or "")
            for button in r.get("buttons") or []:
                parts += [button.get("title") or "", button.get("payload") or ""]
        return "\n".join(parts)


def reply_kind(reply: Reply, classifier: TextClassifier) -> str:
    if reply.status != 200 or reply.body is None:
        return "error"
    replies = reply.body.get("replies") or []
    kinds = [k for k in [reply.body.get("kind"), *(r.get("kind") for r in replies)] if k]
    if not kinds:
        kinds = [classifier.kind(r.get("text") or "") for r in replies if (r.get("text") or "").strip()]
    if not kinds:
        return "error"  # nothing to show the citizen
    return min(kinds, key=lambda k: KIND_PRIORITY.index(k) if k in KIND_PRIORITY else KIND_PRIORITY.index("answer"))


@dataclass
class Grade:
    grade: str
    kind: str
    reason: str = ""
    named: list[str] = field(default_factory=list)


def _covers(expected: list[str | list[str]], named: set[str]) -> bool:
    return all((set(e) & named) if isinstance(e, list) else (e in named) for e in expected)


def grade_reply(item: Item, reply: Reply, *, classifier: TextClassifier, names: dict[str, list[str]],
                ngrams: frozenset[str], open_cases: Iterable[str] = ()) -> Grade:
    kind = reply_kind(reply, classifier)
    text = reply.full_text()
    named = named_services(text, names)
    cited = cites_passage(text, ngrams)
    result = Grade(grade=ERROR, kind=kind, named=sorted(named))
    if kind == "error":
        result.reason = reply.error or (f"HTTP {reply.status}" if reply.status != 200 else "no reply text")
        return result
    substantive = kind in SUBSTANTIVE_KINDS or bool(named) or cited
    hands_over = kind == "handover" or any(m in text for m in HANDOVER_MARKERS)
    outcome = item.outcome

    def wrong(reason: str) -> Grade:
        result.grade, result.reason = WRONG, reason
        return result

    def unhelpful() -> Grade:
        result.grade, result.reason = UNHELPFUL, kind
        return result

    if outcome == "service":
        expected = item.expect["codes"]
        if _covers(expected, named):
            result.grade = CORRECT_ANSWER
            return result
        if substantive:
            flat = {c for e in expected for c in (e if isinstance(e, list) else [e])}
            if named & flat:
                return wrong("partial: names " + ", ".join(sorted(named)))
            return wrong("names " + ", ".join(sorted(named)) if named else "answers without the service")
        return unhelpful()
    if outcome == "policy":
        reply_text = normalize(text)
        if any(normalize(e) in reply_text for e in item.expect["evidence"]):
            result.grade = CORRECT_ANSWER
            return result
        if substantive:
            if cited:
                answering = quotes_answering_passage(text, item.expect["evidence"])
                return wrong("the answering passage, cut before the answer" if answering else "another passage")
            return wrong("names " + ", ".join(sorted(named)) if named else f"{kind} without the answering passage")
        return unhelpful()
    if outcome == "handover":
        if substantive:
            return wrong("answers instead of handing over")
        if hands_over:
            result.grade = CORRECT_NON_ANSWER
            return result
        return unhelpful()
    if outcome == "abstain":
        if substantive:
            return wrong("answers: " + (", ".join(sorted(named)) if named else "a passage" if cited else kind))
        if kind == "abstain" or hands_over:
            result.grade = CORRECT_NON_ANSWER
            return result
        return unhelpful()
    if outcome == "chitchat":
        if named or cited or kind in {"choices", "case", "form"}:
            return wrong("answers something else")
        if kind in {"smalltalk", "answer"}:
            result.grade = CORRECT_ANSWER
            return result
        return unhelpful()
    if outcome == "case_status":
        cases = set(open_cases)
        if not cases:
            result.reason = "the citizen has no open case to check against"
            return result
        if cases & set(CASE_NO.findall(text)):
            result.grade = CORRECT_ANSWER
            return result
        if substantive:
            return wrong("no open case of the citizen in the reply")
        return unhelpful()
    raise ValueError(f"{item.id}: unknown expected outcome {outcome!r}")


# --- the run ------------------------------------------------------------------------------------------


class Client:
    def __init__(self, base_url: str, timeout: float):
        import requests  # only the run needs it, not the grading

        self.requests = requests
        self.session = requests.Session()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token: str | None = None

    def sign_in(self) -> str:
        response = self.session.post(f"{self.base_url}/auth/login", json=CITIZEN, timeout=self.timeout)
        response.raise_for_status()
        self.token = response.json()["access_token"]
        return self.token

    def open_cases(self) -> list[str]:
        headers = {"Authorization": f"Bearer {self.token or self.sign_in()}"}
        numbers, cursor = [], None
        while True:
            params = {"status": "open", "limit": 100, **({"cursor": cursor} if cursor else {})}
            response = self.session.get(f"{self.base_url}/cases", params=params, headers=headers, timeout=self.timeout)
            response.raise_for_status()
            page = response.json()
            numbers += [c["case_no"] for c in page["items"]]
            cursor = page.get("next_cursor")
            if not cursor:
                return numbers

    def chat(self, item: Item) -> Reply:
        headers = {"Accept-Language": ACCEPT_LANGUAGE[item.lang]}
        if item.signed_in:
            headers["Authorization"] = f"Bearer {self.token or self.sign_in()}"
        start = time.perf_counter()
        try:
            response = self.session.post(f"{self.base_url}/chat", json={"message": item.text}, headers=headers,
                                         timeout=self.timeout)
            if response.status_code == 401 and item.signed_in:  # the token expired during the run
                headers["Authorization"] = f"Bearer {self.sign_in()}"
                response = self.session.post(f"{self.base_url}/chat", json={"message": item.text},
                                             headers=headers, timeout=self.timeout)
        except self.requests.RequestException as exc:
            return Reply(status=None, error=type(exc).__name__, seconds=time.perf_counter() - start)
        seconds = time.perf_counter() - start
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200:
            return Reply(status=response.status_code, body=None, error=f"HTTP {response.status_code}", seconds=seconds)
        return Reply(status=200, body=body, seconds=seconds)


def summarize(rows: list[dict[str, Any]], key) -> dict[str, dict[str, int]]:
    table: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        for group in key(row):
            table[group][row["grade"]] += 1
            table[group]["n"] += 1
    return {group: dict(counts) for group, counts in table.items()}


def report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "by_language": summarize(rows, lambda r: [r["lang"], "all"]),
        "by_category": summarize(rows, lambda r: [f'{r["lang"]}/{r["category"]}']),
        "by_expected_outcome": summarize(rows, lambda r: [r["expect"]["outcome"]]),
        "by_reply_kind": summarize(rows, lambda r: [r["kind"]]),
    }


def _pct(part: int, whole: int) -> str:
    return f"{part} ({100 * part / whole:.1f} %)" if whole else "0"


def _row(label: str, counts: dict[str, int]) -> str:
    n = counts.get("n", 0)
    answered, handed = counts.get(CORRECT_ANSWER, 0), counts.get(CORRECT_NON_ANSWER, 0)
    cells = [_pct(answered, n), _pct(handed, n), _pct(answered + handed, n), _pct(counts.get(WRONG, 0), n),
             _pct(counts.get(UNHELPFUL, 0), n), _pct(counts.get(ERROR, 0), n)]
    return f"| {label} | {n} | " + " | ".join(cells) + " |"


HEADER = ("| {first} | messages | answered correctly | handed over / abstained correctly | correct (both) | wrong "
          "answer | unhelpful | errors |\n| --- | --- | --- | --- | --- | --- | --- | --- |")


def render_markdown(rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    summary = report(rows)
    lines = [f"Run {meta['label']}: {meta['started']} against {meta['base_url']} (commit {meta['commit']}), "
             f"{len(rows)} messages, `{meta['command']}`.", "", HEADER.format(first="language")]
    names = {"zh": "Chinese", "en": "English", "all": "all"}
    for group in ("zh", "en", "all"):
        if group in summary["by_language"]:
            lines.append(_row(names[group], summary["by_language"][group]))
    lines += ["", HEADER.format(first="expected outcome")]
    for group in ("service", "policy", "handover", "abstain", "chitchat", "case_status"):
        if group in summary["by_expected_outcome"]:
            lines.append(_row(group, summary["by_expected_outcome"][group]))
    lines += ["", HEADER.format(first="language / category")]
    for group in sorted(summary["by_category"]):
        lines.append(_row(group, summary["by_category"][group]))
    kinds = ", ".join(f"{k} {v['n']}" for k, v in sorted(summary["by_reply_kind"].items(), key=lambda kv: -kv[1]["n"]))
    lines += ["", f"Reply kinds: {kinds}.", ""]
    wrong = [r for r in rows if r["grade"] == WRONG]
    lines += [f"Wrong answers ({len(wrong)}):", ""]
    if wrong:
        lines += ["| id | message | expected | why | reply (start) |", "| --- | --- | --- | --- | --- |"]
        for r in wrong:
            expected = r["expect"].get("codes") or r["expect"]["outcome"]
            reply = " / ".join(t.replace("\n", " ") for t in r["replies"])[:90].replace("|", "\\|")
            message = r["text"].replace("|", "\\|")
            lines.append(f"| {r['id']} | {message} | {json.dumps(expected, ensure_ascii=False)} | {r['reason']} | "
                         f"{reply} |")
    return "\n".join(lines) + "\n"


def git_commit() -> str:
    import subprocess

    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000/api/v1")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--label", default="run", help="before / after: goes into the file names")
    parser.add_argument("--rate", type=float, default=8.0, help="at most this many messages per second")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per request")
    parser.add_argument("--only", nargs="*", default=None, help="item ids or categories to run (default: all)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    items = load_items(args.data)
    if args.only:
        items = [i for i in items if i.id in args.only or i.category in args.only]
    classifier, names, ngrams = TextClassifier(bot_texts()), service_names(), seed_ngrams()
    client = Client(args.base_url, args.timeout)
    open_cases = client.open_cases() if any(i.signed_in for i in items) else []
    started = datetime.now(UTC).astimezone()
    rows = []
    for number, item in enumerate(items, 1):
        tick = time.perf_counter()
        reply = client.chat(item)
        grade = grade_reply(item, reply, classifier=classifier, names=names, ngrams=ngrams, open_cases=open_cases)
        rows.append({**asdict(item), **asdict(grade), "replies": reply.texts(), "status": reply.status,
                     "seconds": round(reply.seconds, 3), "response": reply.body})
        if number % 25 == 0 or number == len(items):
            print(f"{number}/{len(items)}", file=sys.stderr)
        time.sleep(max(0.0, 1 / args.rate - (time.perf_counter() - tick)))
    meta = {"label": args.label, "started": started.isoformat(timespec="seconds"), "base_url": args.base_url,
            "commit": git_commit(), "open_cases": open_cases,
            "command": "python -m bench.assistant_eval " + " ".join(argv if argv is not None else sys.argv[1:])}
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"assistant_eval-{args.label}-{started.strftime('%Y%m%dT%H%M%S')}"
    stem.with_suffix(".json").write_text(json.dumps({"meta": meta, "summary": report(rows), "items": rows},
                                                    ensure_ascii=False, indent=1), encoding="utf-8")
    markdown = render_markdown(rows, meta)
    stem.with_suffix(".md").write_text(markdown, encoding="utf-8")
    print(markdown)
    print(f"wrote {stem}.json and {stem}.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
