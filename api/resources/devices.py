"""My devices (推送设备): the app registers its FCM token here to receive push notifications."""

from __future__ import annotations

from flask_restx import Namespace, Resource
from sqlalchemy import select

from api.auth import signed_in, signed_in_user
from api.context import sender, settings
from api.database import db
from api.restx import load_body, model
from api.schemas.common import ProblemSchema
from api.schemas.notification import DeviceListSchema, DeviceRegisterSchema, DeviceSchema
from models.notification import Device, register_device, remove_device
from notifications.dispatcher import leave_topic, sync_device_topics

ns = Namespace("devices", description="My devices that receive push notifications (推送设备)")


@ns.route("")
class Devices(Resource):
    @ns.response(200, "My devices, newest first; active false: FCM rejected the token", model(DeviceListSchema))
    @signed_in
    def get(self):
        devices = db().scalars(select(Device).where(Device.user_id == signed_in_user().id)
                               .order_by(Device.created_at.desc(), Device.id.desc())).all()
        return DeviceListSchema().dump({"items": devices})

    @ns.doc(description="Register this app installation's FCM token, or refresh it (app start, token or "
            "language change). A token registered by another account moves to mine; a device FCM rejected "
            "is active again. With a region the device is subscribed to that region's broadcast topic.")
    @ns.expect(model(DeviceRegisterSchema))
    @ns.response(201, "Registered", model(DeviceSchema))
    @ns.response(200, "Refreshed", model(DeviceSchema))
    @ns.response(422, "Invalid input", model(ProblemSchema))
    @signed_in
    def post(self):
        data = load_body(DeviceRegisterSchema())
        session = db()
        device, created = register_device(session, signed_in_user(), **data,
                                          max_active=settings().MAX_DEVICES_PER_USER)
        sync_device_topics(session, sender(), [device])  # on failure the minutely sweep tries again
        return DeviceSchema().dump(device), 201 if created else 200


@ns.route("/<string:token>")
@ns.param("token", "The device's FCM token")
class OneDevice(Resource):
    @ns.response(204, "Removed: no more pushes to it")
    @ns.response(404, "Not one of my devices", model(ProblemSchema))
    @signed_in
    def delete(self, token):
        session = db()
        device = remove_device(session, signed_in_user(), token)
        leave_topic(sender(), device.token, device.subscribed_topic)
        return "", 204
