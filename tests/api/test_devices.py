"""POST/GET/DELETE /api/v1/devices: registering and refreshing FCM tokens, shared phones, rejected tokens."""

from __future__ import annotations

from sqlalchemy import select

from models.notification import Delivery, Device, deactivate_devices
from notifications.outbox import notify
from tests.helpers import assert_problem

DEVICES = "/api/v1/devices"


def register(client, headers, token="token-1", **extra):
    body = {"token": token, "platform": "android", "language": "zh", **extra}
    return client.post(DEVICES, json=body, headers=headers)


def mine(client, headers) -> dict[str, dict]:
    response = client.get(DEVICES, headers=headers)
    assert response.status_code == 200
    return {item["token"]: item for item in response.get_json()["items"]}


def queue_push(session, user) -> None:
    notify(session, user, "case_accepted", case_no="YW20261201000001", status="accepted",
           service={"zh": "个体工商户登记", "en": "Sole trader registration"})
    session.commit()


def test_register_then_refresh(client, accounts):
    _, headers = accounts.citizen()
    created = register(client, headers, app_version="2.3.0")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert {k: body[k] for k in ("token", "token_kind", "platform", "language", "app_version", "active")} == {
        "token": "token-1", "token_kind": "fcm_token", "platform": "android", "language": "zh",
        "app_version": "2.3.0", "active": True}
    assert body["region"] is None and body["topic"] is None and body["topic_subscribed"] is False

    refreshed = register(client, headers, language="en", app_version="2.4.0", token_kind="fid")
    assert refreshed.status_code == 200
    listed = mine(client, headers)
    assert list(listed) == ["token-1"]
    assert (listed["token-1"]["language"], listed["token-1"]["app_version"], listed["token-1"]["token_kind"]) == (
        "en", "2.4.0", "fid")
    assert listed["token-1"]["last_seen_at"] >= body["last_seen_at"]


def test_input_is_validated_all_at_once(client, accounts):
    _, headers = accounts.citizen()
    body = assert_problem(client.post(DEVICES, json={"platform": "symbian", "language": "fr", "region": "no spaces!"},
                                      headers=headers), 422, "validation-error")
    assert set(body["errors"]) == {"token", "platform", "language", "region"}
    assert body["errors"]["platform"] == ["请从允许的取值中选择。"]
    assert body["errors"]["region"] == ["请使用 1 至 12 位字母、数字、- 或 _ 组成的地区代码。"]
    assert_problem(client.post(DEVICES, json={"token": "t", "platform": "ios", "language": "zh", "x": 1},
                               headers=headers), 422)
    assert_problem(client.get(DEVICES), 401)


def test_a_shared_phone_moves_to_the_account_that_registers_it(client, accounts, session):
    first, first_headers = accounts.citizen()
    _, second_headers = accounts.citizen()
    assert register(client, first_headers, token="family-phone").status_code == 201
    queue_push(session, first)  # a push for the first owner is still waiting

    moved = register(client, second_headers, token="family-phone", language="en")
    assert moved.status_code == 200
    assert "family-phone" not in mine(client, first_headers)
    assert mine(client, second_headers)["family-phone"]["language"] == "en"
    session.commit()
    waiting = session.scalar(select(Delivery))
    assert waiting.status == "failed" and "another account" in waiting.last_error  # never shown to the new owner


def test_a_rejected_token_stays_listed_inactive_until_the_app_registers_again(client, accounts, session):
    _, headers = accounts.citizen()
    register(client, headers, token="dead-token")
    register(client, headers, token="web-token", platform="web")
    session.commit()
    deactivate_devices(session, {session.scalar(select(Device.id).where(Device.token == "dead-token")):
                                 "unregistered: UnregisteredError"})  # what the dispatcher does on UNREGISTERED
    session.commit()
    listed = mine(client, headers)
    assert listed["dead-token"]["active"] is False and listed["dead-token"]["deactivated_reason"].startswith("unreg")

    revived = register(client, headers, token="dead-token")  # the same token again: active again
    assert revived.status_code == 200 and revived.get_json()["active"] is True

    deactivate_devices(session, {session.scalar(select(Device.id).where(Device.token == "dead-token")): "gone"})
    session.commit()
    assert register(client, headers, token="new-token").status_code == 201  # the app got a new token
    assert set(mine(client, headers)) == {"new-token", "web-token"}  # the dead one is replaced, the web one kept


def test_remove_a_device(client, accounts, session):
    user, headers = accounts.citizen()
    _, other_headers = accounts.citizen()
    register(client, headers, token="token:with:colons_and-dashes")
    queue_push(session, user)
    assert_problem(client.delete(f"{DEVICES}/token:with:colons_and-dashes", headers=other_headers), 404)
    assert_problem(client.delete(f"{DEVICES}/unknown", headers=headers), 404, "not-found")

    response = client.delete(f"{DEVICES}/token:with:colons_and-dashes", headers=headers)
    assert response.status_code == 204
    assert mine(client, headers) == {}
    session.commit()
    delivery = session.scalar(select(Delivery))
    assert delivery.status == "failed" and delivery.device_id is None and delivery.last_error == "the device was removed"
