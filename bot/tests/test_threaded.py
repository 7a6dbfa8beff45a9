"""Actions that wait on the API must not hold each other up on the action server's event loop."""

import asyncio
import threading

from conftest import make_tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.threaded import ApiAction, in_thread


class WaitsForAnother(ApiAction):
    """Blocks until a second run of the same action has started: only possible if both run at once."""

    def __init__(self, barrier: threading.Barrier):
        self.barrier = barrier

    def name(self) -> str:
        return "action_test_waits"

    def handle(self, dispatcher, tracker, domain):
        self.barrier.wait(timeout=5)
        dispatcher.utter_message(text=threading.current_thread().name)
        return []


def test_two_blocking_actions_run_at_the_same_time_off_the_event_loop():
    barrier = threading.Barrier(2)
    action = WaitsForAnother(barrier)
    dispatchers = [CollectingDispatcher(), CollectingDispatcher()]

    async def both():
        tracker = make_tracker()
        return await asyncio.gather(*(action.run(d, tracker, {}) for d in dispatchers))

    assert asyncio.run(both()) == [[], []]
    assert not barrier.broken
    names = [d.messages[0]["text"] for d in dispatchers]
    assert all(name.startswith("action") for name in names)
    assert names[0] != names[1]


def test_in_thread_returns_the_value_and_raises_the_error():
    assert asyncio.run(in_thread(lambda a, b: a + b, 2, 3)) == 5

    def fails():
        raise ValueError("backend said no")

    try:
        asyncio.run(in_thread(fails))
    except ValueError as error:
        assert str(error) == "backend said no"
    else:
        raise AssertionError("the error was swallowed")
