"""Accounts: registration with optional real-name data (实名), sign-in and sign-in sessions."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.accounts.identity import (
    IdentityVault,
    PasswordPolicy,
    check_id_number,
    mask_id_number,
    normalize_mobile,
)
from models.accounts.user import AuthSession, Department, Role, User
from models.base import utcnow
from models.db import transactional
from models.errors import N_, Conflict, ValidationFailed


def _check_registration(phone: str, password: str, id_number: str | None) -> tuple[str, str | None]:
    errors: dict[str, list[str]] = {}
    mobile = normalize_mobile(phone)
    if mobile is None:
        errors["phone"] = [N_("Enter a valid mainland China mobile number.")]
    if (problem := PasswordPolicy.check_strength(password, phone=mobile)) is not None:
        errors["password"] = [problem]
    normalized_id = None
    if id_number:
        normalized_id, problem = check_id_number(id_number)
        if problem:
            errors["id_number"] = [problem]
    if errors:
        raise ValidationFailed(errors)
    return mobile, normalized_id


class RegistrationConflict(Conflict):
    """The mobile number or the ID number already belongs to ``existing``. One answer for both, which does not
    say which: until registration proves the phone (SMS code), an ID number's owner must not be disclosed."""

    type = "registration-conflict"
    message = N_("This mobile number or resident ID number cannot be used to open a new account. If you already "
                 "have an account, sign in; if you did not open it, call the 12345 hotline.")

    def __init__(self, existing: User):
        super().__init__()
        self.existing = existing


def create_user(
    session: Session,
    passwords: PasswordPolicy,
    vault: IdentityVault,
    *,
    phone: str,
    password: str,
    name: str,
    role: Role = Role.CITIZEN,
    department: Department | None = None,
    id_number: str | None = None,
    language: str = "zh",
) -> User:
    mobile, normalized_id = _check_registration(phone, password, id_number)
    if (existing := session.scalar(select(User).where(User.phone == mobile))) is not None:
        raise RegistrationConflict(existing)
    user = User(
        phone=mobile, name=name.strip(), password_hash=passwords.hash(password), role=role,
        department=department, language=language,
    )
    if normalized_id:
        fingerprint = vault.fingerprint(normalized_id)
        if (existing := session.scalar(select(User).where(User.id_number_fingerprint == fingerprint))) is not None:
            raise RegistrationConflict(existing)
        user.id_number_encrypted = vault.encrypt(normalized_id)
        user.id_number_fingerprint = fingerprint
        user.id_number_masked = mask_id_number(normalized_id)
    session.add(user)
    session.flush()
    return user


TokenIssuer = Callable[[User, AuthSession], tuple[dict, str]]  # the API's tokens, and the refresh token's id


@transactional
def register(session: Session, passwords: PasswordPolicy, vault: IdentityVault, *, user_agent: str,
             issue_tokens: TokenIssuer, **details: Any) -> tuple[User, dict]:
    """A citizen signs up (``details`` as for ``create_user``) and is signed in at once."""
    user = create_user(session, passwords, vault, **details)
    return user, sign_in(session, user, user_agent=user_agent, issue_tokens=issue_tokens)


@transactional
def sign_in(session: Session, user: User, *, user_agent: str, issue_tokens: TokenIssuer) -> dict:
    """Open a sign-in (an ``AuthSession``) and issue its tokens, which name the session they belong to."""
    auth_session = open_session(session, user, refresh_jti="pending", user_agent=user_agent)
    tokens, refresh_jti = issue_tokens(user, auth_session)
    auth_session.refresh_jti = refresh_jti
    return tokens


@transactional
def update_profile(session: Session, user: User, changes: dict[str, Any]) -> User:
    """The user changes their own name or language (already validated by the caller's schema)."""
    for name, value in changes.items():
        setattr(user, name, value.strip() if isinstance(value, str) else value)
    return user


def find_account(session: Session, phone: str) -> User | None:
    """The account of this mobile number (in any written form), active or not."""
    mobile = normalize_mobile(phone)
    return session.scalar(select(User).where(User.phone == mobile)) if mobile else None


def authenticate(session: Session, passwords: PasswordPolicy, phone: str, password: str) -> User | None:
    """The active user with these credentials, or None (without telling which part was wrong)."""
    user = find_account(session, phone)
    if user is None or not user.active:
        passwords.hash(password)  # spend the same time as a real check, so timing does not reveal accounts
        return None
    return user if passwords.verify(user.password_hash, password) else None


def open_session(session: Session, user: User, refresh_jti: str, user_agent: str = "") -> AuthSession:
    auth_session = AuthSession(user_id=user.id, refresh_jti=refresh_jti, user_agent=user_agent[:255])
    session.add(auth_session)
    session.flush()
    return auth_session


class Rotation(enum.Enum):
    ROTATED = "rotated"  # the current refresh token: a new one replaces it
    RETRIED = "retried"  # the one rotated out last, within the grace window: the same new pair again
    ENDED = "ended"  # a replay (or a revoked session): the session is over


@transactional
def rotate_session(session: Session, auth_session: AuthSession, presented_jti: str, new_jti: str, *,
                   grace: dt.timedelta = dt.timedelta(0), now: dt.datetime | None = None) -> Rotation:
    """Swap the refresh token. The token rotated out last, presented again within ``grace`` of its rotation,
    is a retry after a lost response: the caller re-issues the pair of that rotation. Any other stale token
    means it was stolen or replayed: end the session."""
    now = now or utcnow()
    if auth_session.revoked_at is not None:
        return Rotation.ENDED
    if auth_session.refresh_jti == presented_jti:
        auth_session.previous_refresh_jti = presented_jti
        auth_session.refresh_jti = new_jti
        auth_session.refreshed_at = now.replace(microsecond=0)  # the new pair's issue time, to the second
        return Rotation.ROTATED
    if auth_session.previous_refresh_jti == presented_jti and now - auth_session.refreshed_at <= grace:
        return Rotation.RETRIED
    auth_session.revoked_at = now
    return Rotation.ENDED


@transactional
def revoke_session(session: Session, auth_session: AuthSession) -> None:
    if auth_session.revoked_at is None:
        auth_session.revoked_at = utcnow()
