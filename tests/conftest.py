"""Shared fixtures: one migrated database per test run (SQLite by default, PostgreSQL when
DATABASE_URL points at it), emptied and re-seeded with the demo catalogue before each test; the fake FCM
server with a real FcmSender pointed at it, and a dispatcher on the test database driven by a hand clock.

Row and request factories are in ``tests/factories.py``; the problem+json check in ``tests/helpers.py``."""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from api import create_app
from api.extensions import limiter
from models.base import Base
from models.demo import seed_departments, seed_services
from models.settings import load_settings
from notifications.dispatcher import Dispatcher, RetryPolicy
from notifications.senders import FcmSender
from tests.factories import CATALOGUE, file_case
from tests.helpers import Accounts
from tests.notifications.fake_fcm import FakeFcmServer


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app({
        "APP_ENV": "test",
        "TESTING": True,
        "DATABASE_URL": _database_url(tmp_path_factory),
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret-key-with-enough-length-0123456789",
        "PASSWORD_TIME_COST": 1,
        "PASSWORD_MEMORY_COST": 1024,
        "AUTH_RATE_LIMIT": "1000 per minute",
        "EXPENSIVE_RATE_LIMIT": "10000 per minute",
        "WRITE_RATE_LIMIT": "100000 per minute",
        "REGISTER_PHONE_RATE_LIMIT": "1000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",  # the counters are reset before each test
        "LOG_LEVEL": "WARNING",
    })
    with app.app_context():
        upgrade(directory=str(Path(__file__).parent.parent / "migrations"))
    return app


def _empty(engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:  # DELETE beats TRUNCATE on PostgreSQL for tables this small
        connection.execute(text("UPDATE services SET current_version_id = NULL"))
        for table in tables:
            connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def session(app):
    """A clean database holding the demo catalogue, and a session on it."""
    engine = app.extensions["yiwang.engine"]
    _empty(engine)
    app.extensions["yiwang.lockout"].storage.reset()  # memory:// in tests: every counter starts at 0
    limiter.reset()
    db_session = app.extensions["yiwang.sessions"]()
    seed_departments(db_session, CATALOGUE["departments"])
    seed_services(db_session, CATALOGUE["services"])
    db_session.commit()
    yield db_session
    db_session.close()


@pytest.fixture
def client(app, session):
    return app.test_client()


@pytest.fixture
def calendar(app):
    return app.extensions["yiwang.calendar"]


@pytest.fixture
def accounts(app, client, session):
    return Accounts(app, client, session)


# -- push notifications: the fake FCM and a dispatcher on it -----------------------------------------
HTTP_TIMEOUT = 1.0  # seconds; a hang in the fake lasts longer than this
BULK_HTTP_TIMEOUT = 60.0


@pytest.fixture
def filed(session, calendar, accounts):
    """A case a citizen filed (YW-SCJG-003, which takes materials): its number and the citizen's headers."""
    citizen, headers = accounts.citizen()
    return file_case(session, calendar, citizen, "YW-SCJG-003").case_no, headers


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
def fcm_env(fake_fcm):
    """The environment variables that point a sender at the fake."""
    return {
        "NOTIFY_BACKEND": "fcm",
        "FCM_PROJECT_ID": fake_fcm.project_id,
        "FCM_BASE_URL": fake_fcm.url,
        "FCM_STATIC_TOKEN": fake_fcm.access_token,
        "FCM_HTTP_TIMEOUT": HTTP_TIMEOUT,
    }


@pytest.fixture
def fcm_settings(fcm_env):
    return load_settings(fcm_env)


@pytest.fixture
def fcm_sender(fcm_settings):
    sender = FcmSender.from_settings(fcm_settings)
    yield sender
    sender.close()


@pytest.fixture
def bulk_sender(fcm_settings):
    """For tests about batching and connection reuse, not timeouts: 500 requests in flight on a busy 2-core
    machine can take longer than the 1 s timeout that the timeout tests rely on."""
    sender = FcmSender.from_settings(fcm_settings.replace(FCM_HTTP_TIMEOUT=BULK_HTTP_TIMEOUT))
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
