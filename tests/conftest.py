"""Shared fixtures: one migrated database per test run (SQLite by default, PostgreSQL when
DATABASE_URL points at it), emptied and re-seeded with the demo catalogue before each test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from api import create_app
from api.extensions import limiter
from models.base import Base
from models.demo import load_catalogue, seed_departments, seed_services
from tests.helpers import Accounts

CATALOGUE = load_catalogue()


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
