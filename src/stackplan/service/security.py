"""Secrets: password hashing (argon2id), API tokens (stored as SHA-256), signed session cookies, CSRF tokens.

Nothing here touches the database; the store keeps the hashes and the session key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

__all__ = [
    "SESSION_MAX_AGE_S",
    "SessionSigner",
    "hash_password",
    "hash_token",
    "new_api_token",
    "verify_password",
]

#: How long a web session stays valid after sign-in [s] (12 hours: a working day).
SESSION_MAX_AGE_S = 12 * 3600

#: Prefix of API tokens, so that a leaked token is recognisable in logs and secret scanners.
TOKEN_PREFIX = "sp_"

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) defaults


def hash_password(password: str) -> str:
    """Hash a password with argon2id (salted; parameters stored in the hash)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; never raises for a wrong password."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_api_token() -> str:
    """A new random API token (256 bits); shown once, stored only as :func:`hash_token`."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 of a token, hex [64 chars]. A random 256-bit token needs no salt or slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()


class SessionSigner:
    """Signs session cookies (user id + a fingerprint of the password hash) and derives CSRF tokens.

    Changing a user's password changes the fingerprint and so ends their other sessions.
    """

    def __init__(self, secret_key: str) -> None:
        self._secret = secret_key.encode()
        self._serializer = URLSafeTimedSerializer(secret_key, salt="stackplan-session")

    @staticmethod
    def fingerprint(password_hash: str | None) -> str:
        """A short digest of the password hash (not the hash itself) kept in the cookie."""
        return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]

    def sign(self, user_id: int, password_hash: str | None) -> str:
        """The cookie value for a signed-in user."""
        return self._serializer.dumps(
            {"u": user_id, "f": self.fingerprint(password_hash), "n": secrets.token_hex(8)}
        )

    def load(self, cookie: str) -> tuple[int, str] | None:
        """(user id, fingerprint) from a cookie, or ``None`` when it is forged or expired."""
        try:
            data = self._serializer.loads(cookie, max_age=SESSION_MAX_AGE_S)
        except (BadSignature, SignatureExpired):
            return None
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("u"), int)
            or not isinstance(data.get("f"), str)
        ):
            return None
        return data["u"], data["f"]

    def csrf_token(self, binding: str) -> str:
        """The CSRF token for a session (or pre-session) cookie value: HMAC-SHA256, hex."""
        return hmac.new(self._secret, b"csrf:" + binding.encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, binding: str, token: str) -> bool:
        """Constant-time check of a submitted CSRF token."""
        return bool(binding) and hmac.compare_digest(self.csrf_token(binding), token)
