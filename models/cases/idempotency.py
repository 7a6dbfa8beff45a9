"""Idempotency-Key handling: a retried request (flaky mobile network) returns the first result.

The record is inserted before the work, in the same transaction, so a concurrent retry waits on
the unique index (or on SQLite's write lock) and then finds the finished record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.cases.case import Case, IdempotencyRecord
from models.db import transactional
from models.errors import N_, DomainError


class IdempotencyKeyReused(DomainError):
    status = 422
    type = "idempotency-key-reused"
    title = N_("Idempotency key reused")
    message = N_("This Idempotency-Key was already used for a different request.")


@dataclass(frozen=True)
class Outcome:
    case: Case
    status_code: int
    replayed: bool


def request_fingerprint(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _find(session: Session, user_id: int, scope: str, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
        )
    )


def _replay(session: Session, record: IdempotencyRecord, request_hash: str) -> Outcome:
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused()
    return Outcome(session.get(Case, record.case_id), record.status_code, True)


@transactional
def run_once(
    session: Session,
    *,
    user_id: int,
    scope: str,
    key: str | None,
    request_hash: str,
    status_code: int,
    operation: Callable[[], Case],
) -> Outcome:
    """Run ``operation`` once per (user, scope, key), in one unit of work; replays return the same case.

    A concurrent retry blocks on the key's unique index until the first request commits, then finds
    its record (the savepoint lets this transaction go on to read it).
    """
    if not key:
        return Outcome(operation(), status_code, False)
    if (record := _find(session, user_id, scope, key)) is not None:
        return _replay(session, record, request_hash)
    record = IdempotencyRecord(user_id=user_id, scope=scope, key=key, request_hash=request_hash,
                               status_code=status_code)
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        session.expire_all()  # the winner's changes, e.g. the case it moved on, are read afresh
        if (record := _find(session, user_id, scope, key)) is None:
            raise
        return _replay(session, record, request_hash)
    case = operation()
    record.case_id = case.id
    return Outcome(case, status_code, False)
