"""Password hashing with argon2id (argon2-cffi's defaults: RFC 9106 low-memory profile).

Hashing and verifying take tens of milliseconds of CPU on purpose, so they run in a thread
and never stall the event loop.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id
# Verified against when the login is unknown, so an unknown account costs the same time
# as a wrong password and the two cannot be told apart.
_DUMMY = _hasher.hash("qunsheng: no such account")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's: rehash on sign-in."""
    return _hasher.check_needs_rehash(password_hash)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
