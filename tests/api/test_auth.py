"""Registration, sign-in, token refresh with rotation, sign-out, and rate limiting."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from models.accounts.user import AuthSession
from models.base import utcnow
from tests.helpers import assert_problem

VALID_ID = "11010519491231002X"


def register(client, **overrides):
    body = {"phone": "13712345678", "password": "Secret#2026", "name": "张三", **overrides}
    return client.post("/api/v1/auth/register", json=body)


def test_register_signs_in_and_masks_the_id_number(client, session):
    response = register(client, id_number=VALID_ID.lower())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["access_token"] and body["refresh_token"] and body["token_type"] == "Bearer"
    user = body["user"]
    assert user["role"] == "citizen" and user["phone"] == "13712345678"
    assert user["id_number_masked"] == "110***********002X"
    assert user["real_name_verified"] is True
    assert VALID_ID not in response.get_data(as_text=True)

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.get_json()["id_number_masked"] == "110***********002X"

    from models.accounts.user import User

    stored = session.get(User, user["id"])
    assert VALID_ID not in stored.id_number_encrypted  # encrypted at rest
    assert stored.password_hash.startswith("$argon2id$")


def test_register_reports_every_field_error_at_once(client, session):
    body = assert_problem(register(client, phone="12345", password="short", id_number="110105194912310021",
                                   name=""), 422, "validation-error")
    assert set(body["errors"]) == {"name"}  # schema errors first: name is blank
    body = assert_problem(register(client, phone="12345", password="short", id_number="110105194912310021"), 422)
    assert set(body["errors"]) == {"phone", "password", "id_number"}


def test_register_accepts_international_format_and_refuses_duplicates(client, session):
    assert register(client, phone="+86 137 1234 5678").status_code == 201
    body = assert_problem(register(client, phone="13712345678"), 409, "conflict")
    assert "手机号" in body["detail"]


def test_same_id_number_cannot_open_two_accounts(client, session):
    assert register(client, id_number=VALID_ID).status_code == 201
    assert_problem(register(client, phone="13712345679", id_number=VALID_ID), 409)


def test_register_rejects_unknown_fields_and_wrong_types(client, session):
    body = assert_problem(register(client, role="admin"), 422)
    assert body["errors"] == {"role": ["未知字段。"]}
    body = assert_problem(client.post("/api/v1/auth/register", json={"phone": 13712345678, "password": ["x"],
                                                                     "name": "张三"}), 422)
    assert set(body["errors"]) == {"phone", "password"}


def test_login_with_wrong_password_is_a_401_problem(client, accounts):
    user = accounts.create()
    body = assert_problem(client.post("/api/v1/auth/login", json={"phone": user.phone, "password": "nope-nope"}),
                          401, "bad-credentials")
    assert body["detail"] == "手机号或密码不正确。"
    unknown = client.post("/api/v1/auth/login", json={"phone": "13700000000", "password": "whatever1"})
    assert assert_problem(unknown, 401)["detail"] == body["detail"]  # no account enumeration


def test_login_answers_tokens_and_the_user(client, accounts):
    user = accounts.create("officer", "SCJG")
    response = client.post("/api/v1/auth/login", json={"phone": user.phone, "password": user.password},
                           headers={"Accept-Language": "en"})
    body = response.get_json()
    assert response.status_code == 200
    assert body["user"]["role"] == "officer"
    department = body["user"]["department"]
    assert department["code"] == "SCJG"
    assert department["name"] and department["name"].isascii()  # the English name, as asked
    assert body["expires_in"] == 15 * 60


def _tokens(client, user):
    return client.post("/api/v1/auth/login", json={"phone": user.phone, "password": user.password}).get_json()


def test_refresh_rotates_and_a_replayed_refresh_token_ends_the_session(client, accounts, session):
    user = accounts.create()
    first = _tokens(client, user)
    refreshed = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {first['refresh_token']}"})
    assert refreshed.status_code == 200
    second = refreshed.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    _age_last_rotation(session, seconds=31)  # past the grace window for retries

    # The old refresh token was rotated out: using it again is treated as theft and ends the session.
    assert_problem(client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {first['refresh_token']}"}),
                   401)
    assert_problem(client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {second['refresh_token']}"}),
                   401)
    assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"}), 401)


def _age_last_rotation(session, seconds: int) -> None:
    import datetime as dt

    from sqlalchemy import select

    from models.accounts.user import AuthSession

    for auth_session in session.scalars(select(AuthSession)):
        auth_session.refreshed_at -= dt.timedelta(seconds=seconds)
    session.commit()


def test_a_refresh_retried_after_a_lost_answer_gets_the_same_pair(client, accounts, session):
    """Issue #12, item 8: the phone lost the answer to its refresh and sends the old token again."""
    user = accounts.create()
    first = _tokens(client, user)
    old = {"Authorization": f"Bearer {first['refresh_token']}"}
    lost = client.post("/api/v1/auth/refresh", headers=old).get_json()
    retried = client.post("/api/v1/auth/refresh", headers=old)
    assert retried.status_code == 200
    again = retried.get_json()
    assert (again["access_token"], again["refresh_token"]) == (lost["access_token"], lost["refresh_token"])
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {again['access_token']}"}).status_code == 200
    # The pair it got is the current one: it rotates as usual, and the session goes on.
    third = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {again['refresh_token']}"})
    assert third.status_code == 200
    # Twice rotated out, the first token is a replay even within the window: the session ends.
    assert_problem(client.post("/api/v1/auth/refresh", headers=old), 401)
    assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {third.get_json()['access_token']}"}),
                   401)


def test_a_retry_after_the_grace_window_ends_the_session(client, accounts, session):
    user = accounts.create()
    first = _tokens(client, user)
    old = {"Authorization": f"Bearer {first['refresh_token']}"}
    second = client.post("/api/v1/auth/refresh", headers=old).get_json()
    _age_last_rotation(session, seconds=31)
    assert_problem(client.post("/api/v1/auth/refresh", headers=old), 401)
    assert_problem(client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {second['refresh_token']}"}),
                   401)


def test_access_token_cannot_refresh(client, accounts):
    tokens = _tokens(client, accounts.create())
    assert_problem(client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['access_token']}"}),
                   401, "invalid-token")


@pytest.mark.parametrize("token_kind", ["refresh_token", "access_token"])
def test_logout_revokes_both_tokens(client, accounts, token_kind):
    user = accounts.create()
    tokens = _tokens(client, user)
    other_device = _tokens(client, user)
    response = client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {tokens[token_kind]}"})
    assert response.status_code == 204
    assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}), 401)
    assert_problem(client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}),
                   401)
    # Signing out on one phone leaves the other signed in.
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other_device['access_token']}"}).status_code \
        == 200


def test_missing_or_garbage_token_is_a_401_problem(client, session):
    assert_problem(client.get("/api/v1/me"), 401)
    assert_problem(client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.jwt"}), 401)
    assert_problem(client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401)


def test_deactivated_account_cannot_use_its_tokens(client, accounts, session):
    user = accounts.create()
    tokens = _tokens(client, user)
    user.active = False
    session.commit()
    assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}), 401)
    assert_problem(client.post("/api/v1/auth/login", json={"phone": user.phone, "password": user.password}), 401)


def test_update_my_language_and_name(client, accounts):
    _, headers = accounts.citizen()
    response = client.patch("/api/v1/me", json={"language": "en", "name": " 王五 "}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["language"] == "en" and response.get_json()["name"] == "王五"
    assert_problem(client.patch("/api/v1/me", json={"role": "admin"}, headers=headers), 422)


def test_login_is_rate_limited_with_retry_after(app, client, accounts):
    app.config["AUTH_RATE_LIMIT"] = "3 per minute"
    try:
        env = {"REMOTE_ADDR": "198.51.100.7"}
        for _ in range(3):
            response = client.post("/api/v1/auth/login", json={"phone": "13700000000", "password": "x" * 8},
                                   environ_base=env)
            assert response.status_code == 401
        limited = client.post("/api/v1/auth/login", json={"phone": "13700000000", "password": "x" * 8},
                              environ_base=env)
        body = assert_problem(limited, 429, "too-many-requests")
        assert int(limited.headers["Retry-After"]) > 0
        assert body["detail"] == "尝试次数过多，请稍后再试。"
        # Another client is not affected.
        other = client.post("/api/v1/auth/login", json={"phone": "13700000000", "password": "x" * 8},
                            environ_base={"REMOTE_ADDR": "198.51.100.8"})
        assert other.status_code == 401
    finally:
        app.config["AUTH_RATE_LIMIT"] = "1000 per minute"


def test_a_sign_in_revoked_elsewhere_is_refused_by_the_next_request(client, accounts, session):
    """No cache between the token and its session: a revocation written by another process (here: straight
    to the database) counts from the next request on, however recently the token was accepted."""
    user = accounts.create()
    tokens = _tokens(client, user)
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    session.execute(update(AuthSession).where(AuthSession.user_id == user.id).values(revoked_at=utcnow()))
    session.commit()
    assert_problem(client.get("/api/v1/me", headers=headers), 401, "invalid-token")
