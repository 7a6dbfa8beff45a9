"""Splitting a passage into whole sentences (分句), the units an extractive answer is made of.

A sentence ends at 。！？；!? (a Chinese semicolon separates clauses that stand on their own), at ". "
in Latin text, or at a line break; closing quotes and brackets stay with the sentence they close.
Offsets point into the original text, so an answer is always a verbatim slice of its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_END = re.compile(r"[。！？；!?;]+[”’」』）)\]》]*|\.(?=\s|$)[”’)\]]*|\n+")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of ``text`` in order, stripped of surrounding white space; empty pieces dropped."""
    sentences: list[Sentence] = []
    start = 0
    for match in _END.finditer(text):
        _add(sentences, text, start, match.end())
        start = match.end()
    _add(sentences, text, start, len(text))
    return sentences


def _add(sentences: list[Sentence], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped or not re.search(r"\w", stripped):
        return
    offset = start + (len(piece) - len(piece.lstrip()))
    sentences.append(Sentence(stripped, offset, offset + len(stripped)))
