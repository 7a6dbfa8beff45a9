"""How much of a question a text covers (覆盖度): the shared measure behind the assistant's decisions.

A question's own terms (the shared jieba analysis) are weighted by idf; a term counts as found when the
text holds it or, if the term is itself in a synonym group (data/synonyms.txt of the search analysis), one
of its synonyms; for Chinese text an English question's term also counts as found when the text holds
one of the Chinese renderings the policy search glossary gives its phrase.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from models.policies.search import TextAnalyzer, normalize


@dataclass(frozen=True)
class Needle:
    """One own term of a question and the phrases that count as finding it."""

    term: str
    phrases: frozenset[str]


@dataclass(frozen=True)
class Haystack:
    """A text prepared for coverage: its terms and its normalised text."""

    terms: frozenset[str]
    text: str

    @classmethod
    def of(cls, analyzer: TextAnalyzer, text: str) -> Haystack:
        return cls(frozenset(analyzer.terms(text)), normalize(text))

    def holds(self, needle: Needle) -> bool:
        return needle.term in self.terms or any(_contains(self.text, phrase) for phrase in needle.phrases)


def _contains(text: str, phrase: str) -> bool:
    if phrase.isascii():  # whole words: "tax" is not in "taxi"
        return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", text) is not None
    return phrase in text


def needles(analyzer: TextAnalyzer, question: str, *, translate: bool = False) -> list[Needle]:
    """The question's own terms with their synonyms (and glossary renderings, with ``translate``)."""
    own = [t for t, w in analyzer.query_terms(question).items() if w == 1.0]
    phrases = {t: {normalize(s) for s in _synonyms_of(analyzer, t)} for t in own}
    if translate:
        for translation in analyzer.translate(question):
            for term in own:
                if term in translation.english or any(analyzer.terms(w) == [term] for w in translation.english):
                    phrases[term] |= {normalize(c) for c in translation.chinese}
    return [Needle(t, frozenset(p)) for t, p in phrases.items()]


def _synonyms_of(analyzer: TextAnalyzer, term: str) -> list[str]:
    """The synonyms of a term that is itself in a synonym group: "社保" has 社会保险, but "社保卡" (which only
    contains 社保) has none; the analyzer's query expansion matches groups by substring, this does not."""
    return [synonym for synonym in analyzer.synonyms(term) if term in analyzer.synonyms(synonym)]


def coverages(question: list[Needle], texts: list[Haystack]) -> list[float]:
    """Share of the question's idf mass (idf over the given texts) that each text holds."""
    if not question or not texts:
        return [0.0] * len(texts)
    count = len(texts)
    found = {n.term: [text.holds(n) for text in texts] for n in question}
    idf = {t: math.log(1 + (count + 0.5) / (sum(hits) + 0.5)) for t, hits in found.items()}
    total = sum(idf.values())
    return [sum(idf[t] for t in found if found[t][i]) / total for i in range(count)]


def share_found(question: list[Needle], text: Haystack) -> float:
    """Share of the question's own terms (unweighted) that one text holds."""
    return sum(text.holds(n) for n in question) / len(question) if question else 0.0
