"""Expensive endpoints and every write are rate-limited per client and per user: 429 problem+json with
Retry-After, in the caller's language (issue #12, item 3)."""

from __future__ import annotations

import pytest

from tests.helpers import assert_problem


@pytest.fixture
def limits(app):
    saved = {name: app.config[name] for name in ("EXPENSIVE_RATE_LIMIT", "WRITE_RATE_LIMIT", "ASSISTANT_API_KEY")}
    yield app.config
    app.config.update(saved)


@pytest.mark.parametrize("method, path, body", [
    ("get", "/api/v1/policies/search?q=营业执照", None),
    ("post", "/api/v1/services/YW-SCJG-003/validate", {"form": {"contact_mobile": "13912345678"}}),
    ("post", "/api/v1/chat", {"message": "你好"}),
    ("get", "/api/v1/assistant/answer?q=身份证丢了怎么办", None),
])
def test_expensive_anonymous_endpoints_are_limited_per_client(client, session, limits, method, path, body):
    limits["EXPENSIVE_RATE_LIMIT"] = "2 per minute"
    env = {"REMOTE_ADDR": "198.51.100.50"}
    for _ in range(2):
        assert getattr(client, method)(path, json=body, environ_base=env).status_code != 429
    limited = getattr(client, method)(path, json=body, environ_base=env, headers={"Accept-Language": "en"})
    body_ = assert_problem(limited, 429, "too-many-requests")
    assert body_["detail"] == "Too many attempts. Wait a moment and try again."
    assert 0 < int(limited.headers["Retry-After"]) <= 61  # the window, rounded up to a whole second
    other = getattr(client, method)(path, json=body, environ_base={"REMOTE_ADDR": "198.51.100.51"})
    assert other.status_code != 429


def test_a_signed_in_user_is_limited_across_addresses(client, accounts, limits):
    _, headers = accounts.citizen()
    limits["EXPENSIVE_RATE_LIMIT"] = "2 per minute"
    for n in range(2):
        response = client.get("/api/v1/policies/search?q=社保", headers=headers,
                              environ_base={"REMOTE_ADDR": f"198.51.100.{60 + n}"})
        assert response.status_code == 200
    limited = client.get("/api/v1/policies/search?q=社保", headers=headers,
                         environ_base={"REMOTE_ADDR": "198.51.100.62"})
    assert assert_problem(limited, 429)["detail"] == "尝试次数过多，请稍后再试。"


def test_writes_are_limited_per_client_and_per_user(client, accounts, limits):
    _, headers = accounts.citizen()
    limits["WRITE_RATE_LIMIT"] = "3 per minute"
    for n in range(3):
        response = client.patch("/api/v1/me", json={"name": f"王{n}"}, headers=headers,
                                environ_base={"REMOTE_ADDR": f"198.51.100.{70 + n}"})
        assert response.status_code == 200
    limited = client.patch("/api/v1/me", json={"name": "王"}, headers=headers,
                           environ_base={"REMOTE_ADDR": "198.51.100.79"})
    assert_problem(limited, 429, "too-many-requests")
    assert int(limited.headers["Retry-After"]) > 0
    # Reads are not writes.
    assert client.get("/api/v1/me", headers=headers, environ_base={"REMOTE_ADDR": "198.51.100.79"}).status_code == 200


def test_the_assistant_action_server_is_limited_per_user_not_per_client(client, accounts, limits):
    """The bot's calls all come from the action server's address: with the shared key they do not use up
    that address's allowance (each end client is limited on /chat); a wrong key counts as any client."""
    limits["EXPENSIVE_RATE_LIMIT"] = "2 per minute"
    limits["ASSISTANT_API_KEY"] = "the-action-servers-key"
    bot = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(5):
        response = client.get("/api/v1/policies/search?q=营业执照", environ_base=bot,
                              headers={"X-Assistant-Key": "the-action-servers-key"})
        assert response.status_code == 200
    for _ in range(2):
        assert client.get("/api/v1/policies/search?q=营业执照", environ_base=bot,
                          headers={"X-Assistant-Key": "a-guess"}).status_code == 200
    guessed = client.get("/api/v1/policies/search?q=营业执照", environ_base=bot, headers={"X-Assistant-Key": "a-guess"})
    assert_problem(guessed, 429, "too-many-requests")
    # A signed-in user's calls through the bot still count per user.
    _, headers = accounts.citizen()
    key = {"X-Assistant-Key": "the-action-servers-key"}
    for _ in range(2):
        assert client.get("/api/v1/policies/search?q=社保", environ_base=bot, headers=headers | key).status_code == 200
    assert_problem(client.get("/api/v1/policies/search?q=社保", environ_base=bot, headers=headers | key), 429)


def test_without_a_configured_key_no_caller_is_exempt(client, session, limits):
    limits["EXPENSIVE_RATE_LIMIT"] = "1 per minute"
    limits["ASSISTANT_API_KEY"] = ""
    env = {"REMOTE_ADDR": "198.51.100.90"}
    assert client.get("/api/v1/policies/search?q=社保", environ_base=env, headers={"X-Assistant-Key": ""}).status_code == 200
    assert_problem(client.get("/api/v1/policies/search?q=社保", environ_base=env, headers={"X-Assistant-Key": ""}), 429)
