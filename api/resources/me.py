"""The signed-in user."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from api.auth import signed_in, signed_in_user
from api.database import db
from api.restx import load_body, model
from api.schemas.account import UpdateMeSchema, UserSchema
from models.accounts.accounts import update_profile

ns = Namespace("me", description="My account (我的)")


@ns.route("")
class Me(Resource):
    @ns.response(200, "My account", model(UserSchema))
    @signed_in
    def get(self):
        return UserSchema().dump(signed_in_user())

    @ns.expect(model(UpdateMeSchema))
    @ns.response(200, "Updated", model(UserSchema))
    @signed_in
    def patch(self):
        user = update_profile(db(), signed_in_user(), load_body(UpdateMeSchema()))
        return UserSchema().dump(user)
