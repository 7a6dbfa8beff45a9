"""Text analysis shared by policy search and service search (检索文本分析).

One rule for turning text into search terms: normalisation (full-width to half-width, lower case),
jieba segmentation with a domain dictionary, stop words, and query-time synonym expansion. Policy passages,
service names and queries all go through here so that a query matches the same way everywhere.

English questions over Chinese policies are translated with a dictionary (the classic cross-language
retrieval technique): the query's English phrases, longest first, are looked up in an English–Chinese
glossary written from the policy vocabulary (`data/glossary_en_zh.txt`) and their Chinese terms are added
to the query (`TextAnalyzer.translate`, then `query_terms(..., translations=...)`).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import jieba

DATA_DIR = Path(__file__).parent / "data"
# Bump when the analysis code changes the terms it produces: persisted indexes then count as stale.
ANALYSIS_VERSION = "2"
# A synonym counts less than the word the citizen typed: it widens recall without outranking exact matches.
SYNONYM_WEIGHT = 0.5
# The Chinese terms of an English query's glossary phrases (cross-language retrieval). Below 1 so that they
# never count as the query's own terms (those decide lexical abstention; see index.PassageIndex._scores).
TRANSLATION_WEIGHT = 0.8
GLOSSARY = "glossary_en_zh.txt"

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_HAS_WORD_CHAR = re.compile(r"\w")
_IS_LATIN_TERM = re.compile(r"^[a-z0-9][a-z0-9.'+#&_-]*$")
_LATIN_WORD = re.compile(r"[a-z0-9]+")
_LATIN_LETTER = re.compile(r"[a-z]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def normalize(text: str) -> str:
    """Full-width forms to half-width (e.g. "２４小时" to "24小时") and lower case.

    Keeps one character for one character, so offsets into the normalised text are offsets into the
    original text: highlighting relies on it.
    """
    text = text.translate(_FULLWIDTH)
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _stem(word: str) -> str:
    """Fold simple English plurals ("licences", "policies", "processes", "taxes") so singular and plural match."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def is_english(text: str) -> bool:
    """A query written in English: it has Latin letters and they outnumber its Chinese characters."""
    normalized = normalize(text)
    return len(_LATIN_LETTER.findall(normalized)) > len(_CJK.findall(normalized))


def main_renderings(translations: Sequence[Translation]) -> str:
    """The main Chinese rendering of each translated phrase, in order ("" if none)."""
    return " ".join(translation.chinese[0] for translation in translations)


def read_list(path: Path) -> list[str]:
    """A word list from the data folder: one entry a line, blank lines and # comments skipped."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@dataclass(frozen=True)
class Translation:
    """An English phrase of a query (its words as matched) and the Chinese terms the glossary gives it."""

    english: tuple[str, ...]
    chinese: tuple[str, ...]


@dataclass(frozen=True)
class TermSpan:
    """A search term and where it sits in the text it came from."""

    term: str
    start: int
    end: int


class TextAnalyzer:
    """Segments text into search terms with a private jieba tokenizer and the domain word lists.

    Construction loads the dictionaries (about two seconds); afterwards the analyzer is read-only and
    safe to share between threads. Use `default_analyzer()` to get the process-wide one.
    """

    def __init__(self, data_dir: Path = DATA_DIR):
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        for word in read_list(data_dir / "userdict.txt"):
            self._tokenizer.add_word(normalize(word))
        self.stop_words = frozenset(normalize(w) for w in read_list(data_dir / "stopwords.txt"))
        self._synonym_groups = [
            tuple(normalize(t.strip()) for t in line.split("|") if t.strip())
            for line in read_list(data_dir / "synonyms.txt")
        ]
        self._synonym_patterns = [
            [(term, self._phrase_pattern(term)) for term in group] for group in self._synonym_groups
        ]
        self._glossary = self._read_glossary(data_dir / GLOSSARY)
        self._longest_phrase = max(map(len, self._glossary), default=0)
        self.fingerprint = self._fingerprint(data_dir)

    def _read_glossary(self, path: Path) -> dict[tuple[str, ...], tuple[str, ...]]:
        """English phrase (as `glossary_words`) to Chinese terms; a phrase listed twice gets both lines' terms."""
        glossary: dict[tuple[str, ...], tuple[str, ...]] = {}
        if not path.exists():
            return glossary
        for line in read_list(path):
            english, _, chinese = line.partition(" = ")
            terms = tuple(normalize(t.strip()) for t in chinese.split("|") if t.strip())
            for phrase in english.split("|"):
                words = tuple(self.glossary_words(phrase))
                if words and terms:
                    known = glossary.get(words, ())
                    glossary[words] = known + tuple(t for t in terms if t not in known)
        return glossary

    @staticmethod
    def _fingerprint(data_dir: Path) -> str:
        digest = hashlib.sha256(f"analysis:{ANALYSIS_VERSION}:jieba:{jieba.__version__}".encode())
        for name in ("userdict.txt", "stopwords.txt", "synonyms.txt"):
            digest.update((data_dir / name).read_bytes())
        return digest.hexdigest()[:16]

    @staticmethod
    def _phrase_pattern(term: str) -> re.Pattern[str]:
        # Latin phrases must match whole words ("tax" is not in "taxi"); Chinese terms match as substrings.
        if term.isascii():
            return re.compile(rf"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])")
        return re.compile(re.escape(term))

    def _term(self, word: str) -> str | None:
        if not _HAS_WORD_CHAR.search(word) or word in self.stop_words:
            return None
        if _IS_LATIN_TERM.match(word):
            if len(word) == 1:
                return None
            word = _stem(word)
        return word if word not in self.stop_words else None

    def spans(self, text: str) -> Iterator[TermSpan]:
        """Terms with their offsets in `text`.

        A long Chinese word also yields the words it is made of, so "国家政务外网" is found by "政务外网"
        and by "外网"; unlike jieba's search mode this never yields chance overlaps such as "家政".
        """
        normalized = normalize(text)
        start = 0
        for word in self._tokenizer.cut(normalized):
            end = start + len(word)
            term = self._term(word.strip())
            if term:
                if len(word) > 2 and not word.isascii():
                    yield from self._parts(word, start)
                yield TermSpan(term, start, end)
            start = end

    def _parts(self, word: str, offset: int) -> Iterator[TermSpan]:
        """The best segmentation of `word` into shorter dictionary words, recursively."""
        dag = self._tokenizer.get_DAG(word)
        dag[0] = [end for end in dag[0] if end != len(word) - 1] or [0]
        route: dict[int, tuple[float, int]] = {}
        self._tokenizer.calc(word, dag, route)
        start = 0
        while start < len(word):
            end = route[start][1] + 1
            part = word[start:end]
            term = self._term(part) if len(part) > 1 else None
            if term:
                if len(part) > 2:
                    yield from self._parts(part, offset + start)
                yield TermSpan(term, offset + start, offset + end)
            start = end

    def glossary_words(self, text: str) -> list[str]:
        """English words as the glossary matches them: case-folded, plurals folded, stop words dropped.

        Unlike `terms`, single letters stay ("e-government" is "e government", not "government").
        """
        words = (_stem(word) for word in _LATIN_WORD.findall(normalize(text)))
        return [word for word in words if word not in self.stop_words]

    def translate(self, query: str) -> list[Translation]:
        """The glossary phrases of an English query, longest first, never overlapping, in query order.

        A Chinese query (see `is_english`) has none: it is searched as typed.
        """
        if not self._glossary or not is_english(query):
            return []
        words = self.glossary_words(query)
        taken = [False] * len(words)
        found: list[tuple[int, Translation]] = []
        for size in range(min(self._longest_phrase, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                phrase = tuple(words[start : start + size])
                if phrase in self._glossary and not any(taken[start : start + size]):
                    taken[start : start + size] = [True] * size
                    found.append((start, Translation(phrase, self._glossary[phrase])))
        return [translation for _, translation in sorted(found, key=lambda item: item[0])]

    def terms(self, text: str) -> list[str]:
        """The search terms of a text, in order, repeats kept (for term frequencies)."""
        return [span.term for span in self.spans(text)]

    def synonyms(self, text: str) -> list[str]:
        """Terms of every synonym group that the text mentions, other than those it mentions itself."""
        normalized = normalize(text)
        found: list[str] = []
        for group in self._synonym_patterns:
            present = {term for term, pattern in group if pattern.search(normalized)}
            if present:
                found.extend(term for term, _ in group if term not in present and term not in found)
        return found

    def query_terms(self, query: str, *, translations: Sequence[Translation] = ()) -> dict[str, float]:
        """Weighted terms of a query: its own terms at weight 1, synonym terms at `SYNONYM_WEIGHT` and the
        Chinese terms of its `translations` (from `translate`, when searching Chinese text) at
        `TRANSLATION_WEIGHT`."""
        weights = dict.fromkeys(self.terms(query), 1.0)
        for translation in translations:
            for chinese in translation.chinese:
                for term in self.terms(chinese):
                    if weights.get(term, 0.0) < TRANSLATION_WEIGHT:
                        weights[term] = TRANSLATION_WEIGHT
        for synonym in self.synonyms(query):
            for term in self.terms(synonym):
                weights.setdefault(term, SYNONYM_WEIGHT)
        return weights


_default: TextAnalyzer | None = None
_default_lock = threading.Lock()


def default_analyzer() -> TextAnalyzer:
    """The process-wide analyzer, loaded on first use and only once even under concurrent first calls."""
    global _default
    with _default_lock:
        if _default is None:
            _default = TextAnalyzer()
        return _default
