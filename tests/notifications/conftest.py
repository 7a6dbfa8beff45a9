"""Fixtures for the push edge: a fake FCM server on 127.0.0.1 and a real FcmSender pointed at it."""

import pytest

from notifications.senders import FcmSender
from tests.notifications.fake_fcm import FakeFcmServer

HTTP_TIMEOUT = 1.0  # seconds; a hang in the fake lasts longer than this


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
