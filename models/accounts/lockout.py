"""Per-account sign-in lockout: after ``attempts`` wrong passwords for one mobile number within ``minutes``,
that number cannot sign in for ``minutes`` — whatever the client, so guessing from many addresses does
not help.

Counters live in a ``limits`` storage (the rate limiter's kind): Redis, shared by every worker and
process, when ``RATELIMIT_STORAGE_URI`` points at Redis; memory otherwise (each process counts alone).
Numbers without an account are counted the same way, so a lockout tells nothing about who has one.
"""

from __future__ import annotations

import math
import time

from limits.storage import Storage, storage_from_string

PREFIX = "yiwang:lockout"


class AccountLockout:
    def __init__(self, storage: Storage, *, attempts: int = 5, minutes: int = 15, namespace: str = "") -> None:
        self.storage = storage
        self.attempts = attempts
        self.seconds = minutes * 60
        self._prefix = f"{PREFIX}:{namespace}" if namespace else PREFIX

    @classmethod
    def from_uri(cls, uri: str, **kwargs) -> AccountLockout:
        return cls(storage_from_string(uri), **kwargs)

    def _keys(self, account: str) -> tuple[str, str]:
        return f"{self._prefix}:failures:{account}", f"{self._prefix}:locked:{account}"

    def locked_for(self, account: str) -> int:
        """Seconds until ``account`` may sign in again; 0 when it is not locked."""
        _, locked = self._keys(account)
        if not self.storage.get(locked):
            return 0
        return max(1, math.ceil(self.storage.get_expiry(locked) - time.time()))

    def failed(self, account: str) -> bool:
        """Count a wrong password; True when this one locks the account (the owner is then told)."""
        failures, locked = self._keys(account)
        if self.storage.incr(failures, self.seconds) < self.attempts:
            return False
        self.storage.clear(failures)
        return self.storage.incr(locked, self.seconds) == 1

    def succeeded(self, account: str) -> None:
        self.storage.clear(self._keys(account)[0])
