"""Actions that wait on the Yiwang API run on worker threads, not on the action server's event loop.

rasa_sdk calls a synchronous ``run()`` directly on its single event loop, so one action waiting on an HTTP
call to the API would hold every other conversation's action until it returned: with ten conversations at
once the waits add up (docs/benchmarks.md, the assistant). An :class:`ApiAction` keeps its logic in the
ordinary synchronous :meth:`ApiAction.handle` and its ``run()`` hands that to a thread pool; ``in_thread``
does the same for a form validator.
"""

from __future__ import annotations

import asyncio
import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

T = TypeVar("T")

# More threads than the API has request threads gains nothing; the default suits the two gunicorn workers
# x 8 threads that scripts/run.sh starts.
_POOL = ThreadPoolExecutor(max_workers=int(os.environ.get("ACTION_THREADS", "16")), thread_name_prefix="action")


async def in_thread(function: Callable[..., T], *args: Any) -> T:
    """Run a blocking call on the action thread pool and wait for it without blocking the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_POOL, function, *args)


class ApiAction(Action, ABC):
    """An action whose body calls the API (blocking HTTP): the body is :meth:`handle`, run on a thread."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        return await in_thread(self.handle, dispatcher, tracker, domain)

    @abstractmethod
    def handle(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        """The action itself; may block on the API."""
