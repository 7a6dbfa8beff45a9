"""Keyset (cursor) pagination: stable under inserts, cheap on large tables.

A page is ordered by a list of sort keys ending in a unique column. The cursor is the last row's
key values; the next page starts strictly after them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, or_, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from models.errors import N_, DomainError


class BadCursor(DomainError):
    status = 400
    type = "bad-cursor"
    title = N_("Invalid cursor")
    message = N_("The cursor is not valid for this list. Start again without a cursor.")


@dataclass(frozen=True)
class SortKey:
    expression: ColumnElement
    descending: bool = False
    kind: type = int  # how a cursor value is read back: int, str, dt.datetime or dt.date


def _decode(value: Any, kind: type) -> Any:
    try:
        if kind is dt.datetime:
            parsed = dt.datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError
            return parsed
        if kind is dt.date:
            return dt.date.fromisoformat(value)
        if kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError
            return value
        if not isinstance(value, str):
            raise ValueError
        return value
    except (TypeError, ValueError) as exc:
        raise BadCursor() from exc


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _after(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    if len({key.descending for key in keys}) == 1:
        # One direction: a row comparison, which an index in the same order can seek to (the OR form below
        # makes PostgreSQL read the index from its start and filter).
        row = tuple_(*(key.expression for key in keys))
        bound = tuple_(*(bindparam(None, value, type_=key.expression.type) for key, value in zip(keys, values, strict=True)))
        return row < bound if keys[0].descending else row > bound
    clauses = []
    for i, key in enumerate(keys):
        equal = [keys[j].expression == values[j] for j in range(i)]
        beyond = key.expression < values[i] if key.descending else key.expression > values[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


def keyset_page(
    session: Session, stmt: Select, keys: Sequence[SortKey], cursor: list | None, limit: int, row_key
) -> tuple[list, list | None]:
    """Return (rows, next cursor values or None). ``row_key(row)`` gives a row's sort values."""
    if cursor is not None:
        if not isinstance(cursor, list) or len(cursor) != len(keys):
            raise BadCursor()
        values = [_decode(v, k.kind) for v, k in zip(cursor, keys, strict=True)]
        stmt = stmt.where(_after(keys, values))
    ordering = [k.expression.desc() if k.descending else k.expression.asc() for k in keys]
    rows = list(session.scalars(stmt.order_by(*ordering).limit(limit + 1)).unique())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, [_encode(v) for v in row_key(rows[-1])]
