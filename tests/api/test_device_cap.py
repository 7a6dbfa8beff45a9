"""Active devices per account are capped: the device seen longest ago goes inactive (issue #12, item 6)."""

from __future__ import annotations

from sqlalchemy import func, select

from models.notification import Delivery, Device
from notifications.outbox import notify


def test_fifty_registrations_leave_ten_active_devices_and_one_event_makes_ten_pushes(app, client, accounts, session):
    assert app.config["MAX_DEVICES_PER_USER"] == 10
    user, headers = accounts.citizen()
    for n in range(50):
        response = client.post("/api/v1/devices", json={"token": f"token-{n:02d}", "platform": "android",
                                                        "language": "zh"}, headers=headers)
        assert response.status_code == 201
    items = client.get("/api/v1/devices", headers=headers).get_json()["items"]
    active = sorted(item["token"] for item in items if item["active"])
    assert active == [f"token-{n:02d}" for n in range(40, 50)]  # the newest ten

    notify(session, user, "case_accepted", case_no="YW20261201000001", status="accepted",
           service={"zh": "个体工商户登记", "en": "Sole trader registration"})
    session.commit()
    assert session.scalar(select(func.count(Delivery.id))) == 10


def test_refreshing_an_old_device_makes_it_current_again(client, accounts, session):
    user, headers = accounts.citizen()
    for n in range(10):
        client.post("/api/v1/devices", json={"token": f"phone-{n}", "platform": "ios", "language": "en"},
                    headers=headers)
    assert client.post("/api/v1/devices", json={"token": "phone-0", "platform": "ios", "language": "en"},
                       headers=headers).status_code == 200
    assert client.post("/api/v1/devices", json={"token": "tablet", "platform": "android", "language": "zh"},
                       headers=headers).status_code == 201
    session.expire_all()
    inactive = session.scalars(select(Device.token).where(Device.user_id == user.id, Device.active.is_(False)))
    assert list(inactive) == ["phone-1"]  # not phone-0, which the app refreshed
