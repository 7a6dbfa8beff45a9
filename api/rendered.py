"""Answers that are the same for every caller (a service's guide, a catalogue entry, a published policy),
built once per version and language and kept in a bounded per-process cache.

A key names everything its answer is built from: row ids *and* the columns that change whenever the row
changes (``updated_at``, the guide version, a content digest), the department's name, the language. So an
edit, in this process or another, makes new keys and the old answers are simply never asked for again;
nothing has to be invalidated, and nothing stale can be served. Nothing per-user is ever put here: keys
hold no user, and the resources only use it for anonymous, public data.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Response, current_app
from flask_restx.representations import output_json

MAX_ENTRIES = 2048


class RenderedCache:
    """A bounded LRU map from a key to a value built by the caller on a miss (built outside the lock)."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
            self.misses += 1
        value = build()
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)


def rendered() -> RenderedCache:
    return current_app.extensions["yiwang.rendered"]


def json_body(data: Any) -> bytes:
    """The bytes flask-restx would answer for ``data`` (same JSON settings)."""
    return output_json(data, 200).get_data()


def json_response(body: bytes) -> Response:
    """A 200 answer with a body built before; the ETag and 304 are added like for any other answer."""
    return current_app.response_class(body, mimetype="application/json")


def department_key(department) -> tuple:
    return department.code, tuple(sorted(department.name.items()))
