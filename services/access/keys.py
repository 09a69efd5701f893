"""Keys derived from the service secret: CSRF tokens and the pseudonyms rate limits use.

A client's address is never stored, not even in Redis: the limiter sees an HMAC of it under
a key that changes every day, so yesterday's pseudonyms cannot be linked to today's, and
nobody holding the database or Redis can recover an address without the secret.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Any

from services.access.credentials import normalise_login


async def service_secret(state: Any) -> bytes:
    cached: bytes | None = getattr(state, "service_secret", None)
    if cached is None:
        configured = state.settings.secret_key or await _stored_secret(state.resources.pool)
        cached = str(configured).encode()
        state.service_secret = cached
    return cached


async def _stored_secret(pool: Any) -> str:
    # The migration makes the row; should it ever be gone (an emptied table), a new one is
    # made the same way, once, and every process then reads that one.
    await pool.execute(
        """INSERT INTO service_secret (key)
           VALUES (encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text
                                            || clock_timestamp()::text, 'UTF8')), 'hex'))
           ON CONFLICT (singleton) DO NOTHING"""
    )
    return str(await pool.fetchval("SELECT key FROM service_secret"))


def _mac(key: bytes, *parts: str) -> str:
    # hmac.digest: the one-shot C path (hmac.new builds Python objects: a fortieth of a step)
    return hmac.digest(key, "|".join(parts).encode(), "sha256").hex()


def client_key(secret: bytes, address: str, now: datetime) -> str:
    day_key = _mac(secret, "client-day", now.strftime("%Y-%m-%d")).encode()
    return "client:" + _mac(day_key, address)[:32]


def account_key(secret: bytes, login: str) -> str:
    return "login:" + _mac(secret, "login", normalise_login(login))[:32]


def csrf_token(secret: bytes, session_token: str) -> str:
    return _mac(secret, "csrf", session_token)


def csrf_matches(secret: bytes, session_token: str, offered: str | None) -> bool:
    return offered is not None and hmac.compare_digest(csrf_token(secret, session_token), offered)
