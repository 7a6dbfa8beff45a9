"""Registration discloses nothing about other accounts and tells their owners; password guessing is limited
per account (shared by workers through Redis); common passwords are refused (issue #12, items 1 and 2)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.notification import Delivery, Notification
from tests.helpers import assert_problem

VALID_ID = "11010519491231002X"


def register(client, **overrides):
    body = {"phone": "13712345678", "password": "Secret#2026", "name": "张三", **overrides}
    return client.post("/api/v1/auth/register", json=body)


def login(client, phone, password, addr="198.51.100.20"):
    return client.post("/api/v1/auth/login", json={"phone": phone, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def notices(session, user, event):
    return session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                      Notification.event == event)).all()


# Item 1 ------------------------------------------------------------------------------------------------

def test_a_taken_phone_and_a_taken_id_number_get_the_same_answer_and_the_owners_are_told(client, accounts, session):
    owner = accounts.create(id_number=VALID_ID)
    client.post("/api/v1/devices", json={"token": "owner-phone", "platform": "android", "language": "zh"},
                headers=accounts.headers(owner))
    by_phone = register(client, phone=owner.phone)
    by_id = register(client, phone="13712340000", id_number=VALID_ID)
    body_phone, body_id = assert_problem(by_phone, 409, "registration-conflict"), assert_problem(by_id, 409)
    assert body_phone == {**body_id, "instance": body_phone["instance"]}  # which number is taken is not said
    assert "身份证" in body_id["detail"] and "手机号" in body_id["detail"]

    session.expire_all()
    [notice] = notices(session, owner, "registration_attempted")  # once an hour, however many attempts
    assert "注册" in notice.title
    push = session.scalar(select(Delivery).where(Delivery.notification_id == notice.id))
    assert push is not None and push.device.token == "owner-phone"
    assert owner.phone not in notice.body and VALID_ID not in notice.body


def test_registration_is_rate_limited_per_phone_number(app, client, session):
    app.config["REGISTER_PHONE_RATE_LIMIT"] = "2 per hour"
    try:
        for n, addr in enumerate(("198.51.100.31", "198.51.100.32")):  # different clients, same number
            response = client.post("/api/v1/auth/register", json={"phone": "13712349999", "password": "Secret#2026",
                                                                   "name": "张三"}, environ_base={"REMOTE_ADDR": addr})
            assert response.status_code == (201 if n == 0 else 409)
        limited = client.post("/api/v1/auth/register", json={"phone": "+86 137 1234 9999", "password": "Secret#2026",
                                                              "name": "张三"},
                              environ_base={"REMOTE_ADDR": "198.51.100.33"})
        assert_problem(limited, 429, "too-many-requests")
        assert int(limited.headers["Retry-After"]) > 0
        assert register(client, phone="13712348888").status_code == 201  # another number is not affected
    finally:
        app.config["REGISTER_PHONE_RATE_LIMIT"] = "1000 per minute"


def test_registration_is_rate_limited_per_id_number(app, client, session):
    app.config["REGISTER_PHONE_RATE_LIMIT"] = "2 per hour"
    try:
        assert register(client, phone="13712340001", id_number=VALID_ID).status_code == 201
        assert_problem(register(client, phone="13712340002", id_number=VALID_ID), 409)
        assert_problem(register(client, phone="13712340003", id_number=VALID_ID.lower()), 429)
    finally:
        app.config["REGISTER_PHONE_RATE_LIMIT"] = "1000 per minute"


# Item 2 ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("password, phone", [("password123", None), ("1qaz2wsx", None), ("WOAINI1314", None),
                                             ("13712345678", None), ("my13712345678!", None)])
def test_common_passwords_and_the_phone_number_are_refused(client, session, password, phone):
    body = assert_problem(register(client, password=password), 422, "validation-error")
    assert list(body["errors"]) == ["password"]


def test_five_wrong_passwords_lock_the_account_for_every_client_and_tell_the_owner(client, accounts, session):
    owner = accounts.create()
    client.post("/api/v1/devices", json={"token": "owner-phone", "platform": "ios", "language": "en"},
                headers=accounts.headers(owner))
    for n in range(5):  # each guess from another address: the per-client limit never sees them together
        assert_problem(login(client, owner.phone, f"guess-{n}-wrong", addr=f"203.0.113.{n}"), 401)
    locked = login(client, owner.phone, owner.password, addr="203.0.113.99")  # even the right password
    body = assert_problem(locked, 429, "account-locked")
    assert 14 * 60 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert "15" in body["detail"]

    session.expire_all()
    [notice] = notices(session, owner, "account_locked")
    push = session.scalar(select(Delivery).where(Delivery.notification_id == notice.id))
    assert push.language == "en" and "15 minutes" in push.body


def test_a_number_without_an_account_locks_the_same_way(client, session):
    for n in range(5):
        assert_problem(login(client, "13712000000", f"guess-{n}-wrong"), 401)
    assert_problem(login(client, "13712000000", "guess-5-wrong"), 429, "account-locked")


def test_a_successful_sign_in_clears_the_failures(client, accounts):
    user = accounts.create()
    for _ in range(4):
        assert_problem(login(client, user.phone, "wrong-password"), 401)
    assert login(client, user.phone, user.password).status_code == 200
    for _ in range(4):
        assert_problem(login(client, user.phone, "wrong-password"), 401)
    assert login(client, user.phone, user.password).status_code == 200
