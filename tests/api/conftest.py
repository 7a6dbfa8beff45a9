"""Fixtures of the API tests."""

from __future__ import annotations

import pytest

from tests.api.fake_rasa import FakeRasa


@pytest.fixture
def rasa(app):
    """The assistant at the HTTP boundary: a fake Rasa (and action server) on 127.0.0.1, 1 s timeout."""
    fake = FakeRasa()
    saved = {k: app.config[k] for k in ("RASA_URL", "ACTION_SERVER_URL", "RASA_TIMEOUT_SECONDS")}
    app.config.update(RASA_URL=fake.url, ACTION_SERVER_URL=fake.url, RASA_TIMEOUT_SECONDS=1.0)
    yield fake
    app.config.update(saved)
    fake.close()
