"""The per-account sign-in lockout's counters, in memory and shared by workers through Redis (issue #12, item 2)."""

from __future__ import annotations

import uuid

import pytest
from limits.storage import storage_from_string

from models.accounts.lockout import AccountLockout

REDIS = "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize("uri", ["memory://", REDIS])
def test_lockout_counters(uri):
    lockout = AccountLockout.from_uri(uri, attempts=3, minutes=15, namespace=uuid.uuid4().hex)
    assert [lockout.failed("13712345678") for _ in range(3)] == [False, False, True]
    assert 14 * 60 < lockout.locked_for("13712345678") <= 15 * 60
    assert lockout.locked_for("13712345679") == 0


def test_workers_sharing_redis_count_together():
    """`make run` starts two workers: with Redis configured, guesses spread over both still lock the account."""
    namespace = uuid.uuid4().hex
    workers = [AccountLockout(storage_from_string(REDIS), attempts=5, minutes=15, namespace=namespace)
               for _ in range(2)]
    results = [workers[n % 2].failed("13712345678") for n in range(5)]
    assert results == [False, False, False, False, True]
    assert all(worker.locked_for("13712345678") > 0 for worker in workers)
