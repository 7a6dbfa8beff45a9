"""Fixtures for the push edge: a fake FCM server on 127.0.0.1, a real FcmSender pointed at it, and a
dispatcher on the test database driven by a hand-moved clock."""

import datetime as dt
import random

import pytest

from notifications.dispatcher import Dispatcher, RetryPolicy
from notifications.senders import FcmSender
from tests.notifications.fake_fcm import FakeFcmServer

HTTP_TIMEOUT = 1.0  # seconds; a hang in the fake lasts longer than this
BULK_HTTP_TIMEOUT = 60.0


@pytest.fixture(scope="session")
def fake_fcm_server():
    with FakeFcmServer() as server:
        yield server


@pytest.fixture
def fake_fcm(fake_fcm_server):
    """The shared fake, with no programmed answers, recorded requests or subscriptions left over."""
    fake_fcm_server.reset()
    yield fake_fcm_server
    fake_fcm_server.reset()


@pytest.fixture
def fcm_settings(fake_fcm):
    return {
        "NOTIFY_BACKEND": "fcm",
        "FCM_PROJECT_ID": fake_fcm.project_id,
        "FCM_BASE_URL": fake_fcm.url,
        "FCM_STATIC_TOKEN": fake_fcm.access_token,
        "FCM_HTTP_TIMEOUT": HTTP_TIMEOUT,
    }


@pytest.fixture
def fcm_sender(fcm_settings):
    sender = FcmSender.from_settings(fcm_settings)
    yield sender
    sender.close()


@pytest.fixture
def bulk_sender(fcm_settings):
    """For tests about batching and connection reuse, not timeouts: 500 requests in flight on a busy 2-core
    machine can take longer than the 1 s timeout that the timeout tests rely on."""
    sender = FcmSender.from_settings({**fcm_settings, "FCM_HTTP_TIMEOUT": BULK_HTTP_TIMEOUT})
    yield sender
    sender.close()


class FakeClock:
    """The dispatcher's clock, moved by hand so that backoff tests never wait for real time.

    It starts a minute ahead of real time, so everything a test queues while setting up is already due.
    """

    def __init__(self):
        self.now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def dispatcher(app, session, fcm_sender, clock):
    """A dispatcher on the test database sending through the real SDK to the fake FCM, on a hand clock."""
    return Dispatcher(app.extensions["yiwang.writer_sessions"], fcm_sender, clock=clock, rng=random.Random(7),
                      policy=RetryPolicy(max_attempts=4, backoff_base=10.0, backoff_max=600.0))
