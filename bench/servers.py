"""What the benchmarks share to run servers beside them: a free port on the loopback, and waiting for a URL."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterable

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(url: str, seconds: float = 120, interval: float = 0.3) -> None:
    """Return once ``url`` answers 2xx; RuntimeError after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(interval)
    raise RuntimeError(f"{url} did not come up")


def stop_all(processes: Iterable[subprocess.Popen]) -> None:
    """Terminate the processes together, then kill any that has not exited within 30 s."""
    processes = list(processes)
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
