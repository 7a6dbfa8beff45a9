"""Splitting a policy document into passages along its own structure (段落切分).

A passage is what search returns and what an answer cites, so it keeps its heading path, e.g.
("第六节我国电子公共服务的现状和发展", "三、电子公共服务的发展", "（一）、发展目标"). Headings come from the
document itself: Markdown `#`, 第X章/节, 第X条, 一、, （一）, 1. / 1、, （1）, ①, and short title-like lines.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

from models.policies.search.analysis import normalize

HEADING_SEPARATOR = " › "
# A paragraph shorter than this is merged with its neighbour under the same heading: alone it is too
# thin to rank or to read as an answer.
MIN_CHARS = 60
# Longer paragraphs are cut at sentence ends into pieces of about equal size, none longer than this.
MAX_CHARS = 600
# Numbered lines longer than this are list items with content, not headings.
HEADING_MAX_CHARS = 30
SOFT_HEADING_MAX_CHARS = 20

_NUM = "一二三四五六七八九十百千零〇两"
_MARKDOWN = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_PART = re.compile(rf"^第[{_NUM}\d]+([编章节])")
_ARTICLE = re.compile(rf"^(第[{_NUM}\d]+条)\s*(.*)$")
_NUMBERED = [
    (20, re.compile(rf"^[{_NUM}]+[、.]")),
    (30, re.compile(rf"^\([{_NUM}]+\)、?")),
    (40, re.compile(r"^\d{1,2}(?:[、]|\.(?!\d))")),
    (50, re.compile(r"^\(\d{1,2}\)")),
    (60, re.compile(r"^[\u2460-\u2473]")),
]
_PART_RANK = {"编": 10, "章": 11, "节": 12}
_ARTICLE_RANK = 14
_SOFT_RANK = 70
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
_PUNCTUATION = re.compile(r"[。！？；，、：!?;,:…]")


@dataclass(frozen=True)
class Passage:
    """A piece of a document under its heading path; its ordinal is its position in the document."""

    heading_path: tuple[str, ...]
    text: str

    @property
    def heading(self) -> str:
        """The heading path for display: "第六节… › 三、… › （一）…"."""
        return HEADING_SEPARATOR.join(self.heading_path)

    @property
    def search_text(self) -> str:
        """What search indexes and embeds: the headings give a short passage its context."""
        return f"{self.heading}\n{self.text}" if self.heading_path else self.text

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.search_text.encode()).hexdigest()[:16]


@dataclass
class _Line:
    text: str
    rank: int | None  # None for body text
    label: str = ""  # heading text as shown in the path
    marker: int | None = None  # rank of the numbering the line starts with, heading or list item


def _classify(line: str) -> _Line:
    """A raw line as a heading (with its rank) or body text; numbered headings are only candidates."""
    probe = normalize(line)
    if match := _MARKDOWN.match(line):
        return _Line(line, len(match.group(1)), match.group(2).strip())
    if (match := _PART.match(probe)) and len(line) <= HEADING_MAX_CHARS + 10:
        return _Line(line, _PART_RANK[match.group(1)], line)
    if match := _ARTICLE.match(probe):
        return _Line(line[match.start(2) :], _ARTICLE_RANK, line[: match.end(1)])
    for rank, pattern in _NUMBERED:
        if match := pattern.match(probe):
            if len(line) <= HEADING_MAX_CHARS and not _PUNCTUATION.search(line[match.end() :]):
                return _Line(line, rank, line, marker=rank)
            return _Line(line, None, marker=rank)
    return _Line(line, None)


def _resolve_headings(lines: list[_Line]) -> None:
    """Demote numbered "headings" that have nothing under them: they are list items.

    A numbered heading directly followed by the same numbering level (a sibling, heading or item), a
    higher heading or the end has no body of its own. Then short title-like body lines followed by body
    text become soft headings.
    """
    for line, following in zip(lines, [*lines[1:], None], strict=True):
        if line.marker is None or line.rank is None:
            continue
        following_rank = None if following is None else following.marker or following.rank
        if following is None or (following_rank is not None and following_rank <= line.rank):
            line.rank = None
    for line, following in zip(lines, lines[1:], strict=False):
        if (
            line.rank is None
            and line.marker is None
            and following.rank is None
            and len(line.text) <= SOFT_HEADING_MAX_CHARS
            and not _PUNCTUATION.search(line.text)
        ):
            line.rank, line.label = _SOFT_RANK, line.text


def _sections(lines: list[_Line]) -> list[tuple[tuple[str, ...], list[str]]]:
    """Body paragraphs grouped under their heading path, in document order."""
    stack: list[tuple[int, str]] = []
    sections: list[tuple[tuple[str, ...], list[str]]] = []
    for line in lines:
        if line.rank is not None:
            while stack and stack[-1][0] >= line.rank:
                stack.pop()
            stack.append((line.rank, line.label))
            sections.append((tuple(label for _, label in stack), []))
            if line.rank == _ARTICLE_RANK and line.text:
                sections[-1][1].append(line.text)
        elif line.text:
            if not sections or sections[-1][0] != tuple(label for _, label in stack):
                sections.append((tuple(label for _, label in stack), []))
            sections[-1][1].append(line.text)
    return [(path, paragraphs) for path, paragraphs in sections if paragraphs]


def _chunk(paragraph: str) -> list[str]:
    """Cut a long paragraph at sentence ends into pieces of about equal length."""
    if len(paragraph) <= MAX_CHARS:
        return [paragraph]
    target = len(paragraph) / math.ceil(len(paragraph) / MAX_CHARS)
    pieces: list[str] = []
    current = ""
    for sentence in filter(None, _SENTENCE_END.split(paragraph)):
        # cut where the piece comes nearest the target, never past the maximum
        if current and (len(current) + len(sentence) / 2 > target or len(current) + len(sentence) > MAX_CHARS):
            pieces.append(current)
            current = ""
        current += sentence
    pieces.append(current)
    return [hard for piece in pieces for hard in _hard_split(piece)]


def _hard_split(piece: str) -> list[str]:
    # A "sentence" without punctuation longer than MAX_CHARS (a table row, a URL list) is cut blindly.
    return [piece[i : i + MAX_CHARS] for i in range(0, len(piece), MAX_CHARS)]


def _pack(paragraphs: list[str]) -> list[str]:
    """Merge short paragraphs with their neighbours; keep others whole (chunked if too long)."""
    packed: list[str] = []
    for piece in (chunk for paragraph in paragraphs for chunk in _chunk(paragraph)):
        if (
            packed
            and (len(packed[-1]) < MIN_CHARS or len(piece) < MIN_CHARS)
            and len(packed[-1]) + len(piece) < MAX_CHARS
        ):
            packed[-1] += "\n" + piece
        else:
            packed.append(piece)
    return packed


def split_document(body: str, title: str | None = None) -> list[Passage]:
    """Split a plain-text or Markdown document into passages with their heading paths.

    A first line repeating the title is dropped: the title is shown with every hit anyway.
    """
    raw = [line.strip() for line in body.splitlines()]
    raw = [line for line in raw if line]
    if raw and title is not None and raw[0].lstrip("# ").strip() == title.strip():
        raw = raw[1:]
    if not raw:  # a body that is blank, or only its title
        return []
    lines = [_classify(line) for line in raw]
    _resolve_headings(lines)
    return [
        Passage(path, text) for path, paragraphs in _sections(lines) for text in _pack(paragraphs)
    ]
