"""Sign-up, sign-in, token refresh and sign-out."""

from __future__ import annotations

import datetime as dt
import math
import uuid

from flask import current_app, request
from flask_jwt_extended.exceptions import WrongTokenError
from flask_restx import Namespace, Resource

from api.auth import issue_tokens, new_refresh_jti, passwords, signed_in_user, token_claims, vault
from api.context import settings
from api.database import db
from api.extensions import limiter
from api.limits import check_rate, lockout
from api.restx import load_body, model
from api.schemas.account import LoginSchema, RegisterSchema, TokensSchema
from api.schemas.common import ProblemSchema
from models.accounts.accounts import (
    RegistrationConflict,
    Rotation,
    authenticate,
    find_account,
    register,
    revoke_session,
    rotate_session,
    sign_in,
)
from models.accounts.identity import check_id_number, normalize_mobile
from models.accounts.user import AuthSession, User
from models.errors import N_, DomainError, Unauthorized
from notifications.outbox import warn_owner

ns = Namespace("auth", description="Accounts and sign-in (登录注册)")


def _auth_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


class BadCredentials(Unauthorized):
    type = "bad-credentials"
    title = N_("Sign-in failed")
    message = N_("The mobile number or the password is wrong.")


def _tokens(user: User, auth_session: AuthSession) -> tuple[dict, str]:
    tokens = issue_tokens(user, auth_session)
    return tokens, new_refresh_jti(tokens)


class AccountLocked(DomainError):
    status = 429
    type = "account-locked"
    title = N_("Sign-in paused")
    message = N_("Too many wrong passwords for this mobile number. Try again in {minutes} minutes.")

    def __init__(self, seconds: int):
        super().__init__(minutes=math.ceil(seconds / 60))
        self.headers = {"Retry-After": str(seconds)}


def _account_key(phone: str) -> str:
    return normalize_mobile(phone) or phone.strip()


@ns.route("/register")
class Register(Resource):
    decorators = [limiter.limit(_auth_limit)]

    @ns.doc(security=None, description="Rate-limited per client (AUTH_RATE_LIMIT) and per mobile and ID number "
            "(REGISTER_PHONE_RATE_LIMIT). A number already registered answers one 409 that does not say whether "
            "the mobile or the ID number is taken; the owner of that account is told by push.")
    @ns.expect(model(RegisterSchema))
    @ns.response(201, "Registered and signed in", model(TokensSchema))
    @ns.response(409, "The mobile number or the ID number cannot be used", model(ProblemSchema))
    @ns.response(422, "Invalid input", model(ProblemSchema))
    @ns.response(429, "Too many attempts", model(ProblemSchema))
    def post(self):
        data = load_body(RegisterSchema())
        check_rate("REGISTER_PHONE_RATE_LIMIT", "register-phone", _account_key(data["phone"]))
        normalized_id = check_id_number(data["id_number"])[0] if data["id_number"] else None
        if normalized_id:
            check_rate("REGISTER_PHONE_RATE_LIMIT", "register-id", vault().fingerprint(normalized_id))
        try:
            user, tokens = register(db(), passwords(), vault(), phone=data["phone"], password=data["password"],
                                    name=data["name"], id_number=data["id_number"], language=data["language"],
                                    user_agent=request.user_agent.string, issue_tokens=_tokens)
        except RegistrationConflict as conflict:  # the registration was rolled back; the notice is its own unit
            warn_owner(db(), conflict.existing, "registration_attempted")
            raise
        return TokensSchema().dump({**tokens, "user": user}), 201


@ns.route("/login")
class Login(Resource):
    decorators = [limiter.limit(_auth_limit)]

    @ns.doc(security=None, description="Rate-limited per client (AUTH_RATE_LIMIT); after LOGIN_LOCKOUT_ATTEMPTS "
            "wrong passwords for one mobile number it cannot sign in for LOGIN_LOCKOUT_MINUTES (429 "
            "account-locked, with Retry-After) and the owner is told by push.")
    @ns.expect(model(LoginSchema))
    @ns.response(200, "Signed in", model(TokensSchema))
    @ns.response(401, "Wrong mobile number or password", model(ProblemSchema))
    @ns.response(429, "Too many attempts, or sign-in paused for this number", model(ProblemSchema))
    def post(self):
        data = load_body(LoginSchema())
        account = _account_key(data["phone"])
        if seconds := lockout().locked_for(account):
            raise AccountLocked(seconds)
        user = authenticate(db(), passwords(), data["phone"], data["password"])
        if user is None:
            if lockout().failed(account) and (owner := find_account(db(), account)):
                warn_owner(db(), owner, "account_locked", minutes=settings().LOGIN_LOCKOUT_MINUTES)
            raise BadCredentials()
        lockout().succeeded(account)
        tokens = sign_in(db(), user, user_agent=request.user_agent.string, issue_tokens=_tokens)
        return TokensSchema().dump({**tokens, "user": user})


def _presented_session(*, allow_access: bool = False) -> AuthSession:
    try:
        signed_in_user(refresh=True)
    except WrongTokenError:
        if not allow_access:
            raise
        signed_in_user()
    claims = token_claims()
    auth_session = db().get(AuthSession, claims["sid"])
    if auth_session is None:
        raise Unauthorized()
    return auth_session


@ns.route("/refresh")
class Refresh(Resource):
    @ns.doc(description="Send the refresh token as the Bearer token. It rotates: the old one stops working, "
            "except that within REFRESH_GRACE_SECONDS (30 s) of the rotation it answers the same new pair again "
            "(a retry after a lost answer); used later it ends the sign-in.")
    @ns.response(200, "New tokens", model(TokensSchema))
    def post(self):
        auth_session = _presented_session()
        user = signed_in_user(refresh=True)
        grace = dt.timedelta(seconds=settings().REFRESH_GRACE_SECONDS)
        rotation = rotate_session(db(), auth_session, token_claims()["jti"], str(uuid.uuid4()), grace=grace)
        if rotation is Rotation.ENDED:
            raise Unauthorized(N_("This sign-in has ended. Sign in again."))
        tokens = issue_tokens(user, auth_session, issued_at=auth_session.refreshed_at,
                              refresh_jti=auth_session.refresh_jti)
        return TokensSchema().dump({**tokens, "user": user})


@ns.route("/logout")
class Logout(Resource):
    @ns.doc(description="Send the refresh (or access) token as the Bearer token; both tokens of this sign-in "
            "stop working.")
    @ns.response(204, "Signed out")
    def post(self):
        revoke_session(db(), _presented_session(allow_access=True))
        return "", 204

