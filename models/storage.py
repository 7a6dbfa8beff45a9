"""File storage for case attachments, kept outside the web root.

Files are stored under random keys; a client's file name is only ever kept as display text.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


class LocalStorage:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("invalid storage key")
        return self.root / key[:2] / key

    def save(self, stream: BinaryIO, max_size: int) -> StoredFile | None:
        """Copy a stream into storage; None (and nothing kept) when it exceeds ``max_size`` bytes."""
        key = secrets.token_hex(20)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        tmp = path.with_suffix(".part")
        with tmp.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_size:
                    break
                digest.update(chunk)
                out.write(chunk)
        if size > max_size:
            tmp.unlink(missing_ok=True)
            return None
        tmp.replace(path)
        return StoredFile(key=key, size=size, sha256=digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
