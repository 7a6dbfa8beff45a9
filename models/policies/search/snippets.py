"""Highlighted snippets for search hits (摘要高亮).

The snippet is HTML: the passage text is escaped and the matched terms are wrapped in <mark>, so a
client can show it as is without trusting policy text.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable, Sequence

from models.policies.search.analysis import TextAnalyzer

SNIPPET_CHARS = 120
# Start the window a little before the first match so the reader sees what leads up to it.
LEAD_CHARS = 20
ELLIPSIS = "…"


def _marked_intervals(text: str, terms: Collection[str], analyzer: TextAnalyzer) -> list[tuple[int, int]]:
    return _merged((s.start, s.end) for s in analyzer.spans(text) if s.term in terms)


def _merged(spans: Iterable[Sequence[int]]) -> list[tuple[int, int]]:
    """Overlapping or touching (start, end) spans joined, in order."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted((int(s), int(e)) for s, e in spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _best_window(length: int, intervals: list[tuple[int, int]]) -> tuple[int, int]:
    """The window of `SNIPPET_CHARS` covering the most matched characters."""
    if length <= SNIPPET_CHARS or not intervals:
        return 0, min(length, SNIPPET_CHARS)
    best_start, best_cover = 0, -1
    for first, _ in intervals:
        start = max(0, min(first - LEAD_CHARS, length - SNIPPET_CHARS))
        # never open the window in the middle of a match
        start = next((s for s, e in intervals if s < start < e), start)
        end = start + SNIPPET_CHARS
        cover = sum(min(e, end) - max(s, start) for s, e in intervals if s < end and e > start)
        if cover > best_cover:
            best_start, best_cover = start, cover
    return best_start, best_start + SNIPPET_CHARS


def highlight(text: str, terms: Collection[str], analyzer: TextAnalyzer) -> str:
    """An escaped extract of `text` around the query terms, each match wrapped in <mark>…</mark>.

    Segments `text` itself; the index uses `highlight_spans` with the offsets it stored at indexing, and
    its snippets are tested to equal this.
    """
    return _render(text, _marked_intervals(text, terms, analyzer))


def highlight_spans(text: str, spans: Iterable[Sequence[int]]) -> str:
    """`highlight` for matches already found: (start, end) offsets of the query's terms in `text`."""
    return _render(text, _merged(spans))


def _render(text: str, intervals: list[tuple[int, int]]) -> str:
    start, end = _best_window(len(text), intervals)
    parts = [ELLIPSIS] if start > 0 else []
    cursor = start
    for s, e in intervals:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        parts += [html.escape(text[cursor:s]), "<mark>", html.escape(text[s:e]), "</mark>"]
        cursor = e
    parts.append(html.escape(text[cursor:end]))
    if end < len(text):
        parts.append(ELLIPSIS)
    return "".join(parts)
