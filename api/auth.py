"""Bearer tokens (flask-jwt-extended) bound to sign-in sessions, and role checks."""

from __future__ import annotations

import datetime as dt
import functools

from flask import Flask, current_app, g, request
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    get_current_user,
    get_jwt,
    verify_jwt_in_request,
)
from flask_jwt_extended.utils import decode_token
from sqlalchemy import bindparam, select
from sqlalchemy.orm import lazyload

from api.database import db
from api.extensions import jwt
from models.accounts.identity import IdentityVault, PasswordPolicy
from models.accounts.user import AuthSession, Role, User
from models.errors import N_, Forbidden, Unauthorized


def init_auth(app: Flask) -> None:
    app.config["JWT_SECRET_KEY"] = app.config["SECRET_KEY"]
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = dt.timedelta(minutes=app.config["ACCESS_TOKEN_MINUTES"])
    app.config["JWT_REFRESH_TOKEN_EXPIRES"] = dt.timedelta(days=app.config["REFRESH_TOKEN_DAYS"])
    app.config["JWT_TOKEN_LOCATION"] = ["headers"]
    app.config["JWT_ERROR_MESSAGE_KEY"] = "detail"
    jwt.init_app(app)
    secret = app.config["DATA_ENCRYPTION_KEY"] or app.config["SECRET_KEY"]
    app.extensions["yiwang.vault"] = IdentityVault(secret)
    app.extensions["yiwang.passwords"] = PasswordPolicy(
        time_cost=app.config["PASSWORD_TIME_COST"], memory_cost=app.config["PASSWORD_MEMORY_COST"]
    )


def vault() -> IdentityVault:
    return current_app.extensions["yiwang.vault"]


def passwords() -> PasswordPolicy:
    return current_app.extensions["yiwang.passwords"]


# Built once, with parameters: building a statement (and its cache key) costs more than running it.
_OPEN_SESSION_USER = (
    select(User).join(AuthSession, AuthSession.user_id == User.id).options(lazyload(User.department))
    .where(AuthSession.id == bindparam("sid"), AuthSession.revoked_at.is_(None), User.id == bindparam("user_id"))
)


@jwt.token_in_blocklist_loader
def _session_revoked(_header, payload) -> bool:
    """One query answers both questions about a token: is its sign-in still open, and whose is it.

    No cache: a signed-out or revoked session is refused by the very next request, in every process.
    The user found is kept for ``_load_user``, which flask-jwt-extended calls right after this check.
    """
    sid = payload.get("sid")
    if sid is None:
        return True
    g.yiwang_token_user = db().scalar(_OPEN_SESSION_USER, {"sid": sid, "user_id": int(payload["sub"])})
    return g.yiwang_token_user is None


@jwt.user_lookup_loader
def _load_user(_header, payload) -> User | None:
    user = g.pop("yiwang_token_user", None) or db().get(User, int(payload["sub"]))
    return user if user is not None and user.active else None


def issue_tokens(user: User, auth_session: AuthSession, *, issued_at: dt.datetime | None = None,
                 refresh_jti: str | None = None) -> dict:
    """A new token pair. With ``issued_at`` and ``refresh_jti`` (a rotation) the pair is fixed by them: issued
    again from the same values it is the same pair, byte for byte (a refresh retried after a lost answer)."""
    claims = {"role": user.role.value, "sid": auth_session.id}
    access_claims = refresh_claims = claims
    if issued_at is not None and refresh_jti is not None:
        iat = int(issued_at.timestamp())
        config = current_app.config
        fixed = {**claims, "iat": iat, "nbf": iat, "csrf": f"{refresh_jti}.c"}
        access_claims = {**fixed, "jti": f"{refresh_jti}.a",
                         "exp": iat + int(config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds())}
        refresh_claims = {**fixed, "jti": refresh_jti,
                          "exp": iat + int(config["JWT_REFRESH_TOKEN_EXPIRES"].total_seconds())}
    return {
        "access_token": create_access_token(identity=str(user.id), additional_claims=access_claims),
        "refresh_token": create_refresh_token(identity=str(user.id), additional_claims=refresh_claims),
        "token_type": "Bearer",
        "expires_in": current_app.config["ACCESS_TOKEN_MINUTES"] * 60,
    }


def new_refresh_jti(tokens: dict) -> str:
    return decode_token(tokens["refresh_token"], allow_expired=True)["jti"]


# What the assistant's delegated (chat-scope) tokens may do: read and file the user's own cases.
CHAT_SCOPE_ROUTES = frozenset({
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/cases"),
    ("POST", "/api/v1/cases"),
    ("GET", "/api/v1/cases/<string:case_no>"),
})


def signed_in_user(*, refresh: bool = False) -> User:
    """The user of this request's token, verified once per request (the role check and the view ask again)."""
    verified = g.get("yiwang_signed_in")
    if verified is not None and verified[0] == refresh:
        return verified[1]
    verify_jwt_in_request(refresh=refresh)
    user = get_current_user()  # the User itself: flask-jwt-extended's current_user proxy costs on every attribute
    if user is None:
        raise Unauthorized()
    _check_scope()
    g.yiwang_signed_in = (refresh, user)
    return user


def _check_scope() -> None:
    if get_jwt().get("scope") == "chat" and (request.method, request.url_rule.rule) not in CHAT_SCOPE_ROUTES:
        raise Forbidden(N_("The assistant cannot do this on your behalf."))


def token_claims() -> dict:
    return get_jwt()


def roles_required(*roles: Role):
    """Allow the decorated view only to signed-in users with one of these roles (else 403)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = signed_in_user()
            if user.role not in roles:
                raise Forbidden(N_("Your account cannot use this function."))
            return view(*args, **kwargs)

        return wrapper

    return decorator


signed_in = roles_required(*Role)
citizen_only = roles_required(Role.CITIZEN)
staff_only = roles_required(Role.OFFICER, Role.SUPERVISOR)
admin_only = roles_required(Role.ADMIN)


def optional_user() -> User | None:
    """The signed-in user when a valid token is sent; None for anonymous callers."""
    verified = g.get("yiwang_signed_in")
    if verified is not None and not verified[0]:
        return verified[1]
    verify_jwt_in_request(optional=True)
    if not get_jwt():
        return None
    _check_scope()
    user = get_current_user()
    if user is not None:
        g.yiwang_signed_in = (False, user)
    return user
