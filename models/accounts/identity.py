"""Personal identifiers: mainland mobile numbers, resident ID numbers (居民身份证号码) and passwords.

ID numbers are validated with their check digit, stored encrypted (Fernet) with a keyed fingerprint
for uniqueness, and only ever shown masked.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
from pathlib import Path

import phonenumbers
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumValidationError

from models.errors import N_

COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt"


def normalize_mobile(raw: str) -> str | None:
    """Return the 11-digit mainland mobile number, or None when it is not one."""
    try:
        number = phonenumbers.parse(str(raw).strip(), "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return str(number.national_number)


def check_id_number(raw: str) -> tuple[str | None, str | None]:
    """Validate an 18-digit resident ID number; return (normalized, None) or (None, error msgid)."""
    value = str(raw).strip().upper()
    if len(value) != 18:
        return None, N_("A resident ID number has 18 characters.")
    try:
        return ric.validate(value), None
    except StdnumValidationError:
        return None, N_("This resident ID number is not valid (check digit or date of birth).")


def mask_id_number(value: str) -> str:
    """110105********002X style: first 3 and last 4 characters kept."""
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_text_ids(text: str) -> str:
    """Mask every 18-character resident ID number that appears inside free text."""
    return re.sub(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])", lambda m: mask_id_number(m.group(1)), text)


class IdentityVault:
    """Encrypts personal identifiers at rest. Keys are derived from one configured secret."""

    def __init__(self, secret: str):
        material = secret.encode()
        self._fernet = Fernet(base64.urlsafe_b64encode(self._derive(material, b"yiwang-id-encryption")))
        self._mac_key = self._derive(material, b"yiwang-id-fingerprint")

    @staticmethod
    def _derive(material: bytes, info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material)

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()

    def fingerprint(self, value: str) -> str:
        return hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest()


class PasswordPolicy:
    """Argon2id hashing; the cost is configurable so tests can run fast with the same code path."""

    MIN_LENGTH = 8

    def __init__(self, time_cost: int = 3, memory_cost: int = 65536):
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @classmethod
    def check_strength(cls, password: str, phone: str | None = None) -> str | None:
        """Why the password is refused (a msgid), or None: too short, one of the common passwords, or
        containing the account's mobile number."""
        if len(password) < cls.MIN_LENGTH:
            return N_("The password must have at least 8 characters.")
        if password.lower() in common_passwords():
            return N_("This password is one of the most common ones. Choose another.")
        if phone and phone in password:
            return N_("The password must not contain your mobile number.")
        return None


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower-case (models/accounts/data/common-passwords.txt)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))
