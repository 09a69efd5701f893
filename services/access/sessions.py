"""Browser sessions and API tokens: a random token handed out once, only its hash kept.

The tokens carry 256 bits from `secrets`, so a plain SHA-256 is the right hash here: a
slow password hash protects guessable secrets, and these are not guessable.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Literal, NamedTuple

import asyncpg
import msgspec

from events.accounts import stream
from events.store.db import Queryable
from events.store.records import COLUMNS

TOKEN_PREFIX = "qs_"


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def open_session(pool: asyncpg.Pool, account_id: str, now: datetime, ttl: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    # Expired sessions go at each sign-in (a few at a time), so the table holds live ones.
    await pool.execute(
        """DELETE FROM sessions WHERE token_hash IN (
               SELECT token_hash FROM sessions WHERE expires_at <= $1 LIMIT 100)""",
        now,
    )
    await pool.execute(
        "INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        _digest(token),
        account_id,
        now,
        now + ttl,
    )
    return token


class Credentials(NamedTuple):
    """What a caller presented: a browser session's cookie or an API token (unverified)."""

    kind: Literal["session", "token"]
    secret: str


# The caller's account stream id, found by the hash of what they presented: roles are read
# from the account's own events on every request (a revocation bites on the next one), in
# the same query as the session or token. Parameters: $1 the hash, $2 the account stream
# prefix, $3 now. A handler may embed it in a query of its own (services/cases/staff_view.py).
ACCOUNT_STREAM = {
    "session": "(SELECT $2::text || account_id FROM sessions WHERE token_hash = $1 AND expires_at > $3)",
    # Tokens do not expire: $3 is only named, so both kinds take the same arguments.
    "token": "(SELECT $2::text || account_id FROM api_tokens"
    " WHERE token_hash = $1 AND revoked_at IS NULL AND $3::timestamptz IS NOT NULL)",
}
_ACCOUNT_EVENTS = {
    kind: f"SELECT {COLUMNS} FROM events WHERE stream_id = {sub} ORDER BY stream_version"
    for kind, sub in ACCOUNT_STREAM.items()
}


def account_arguments(credentials: Credentials, now: datetime) -> tuple[bytes, str, datetime]:
    return _digest(credentials.secret), stream(""), now


async def account_events(pool: Queryable, credentials: Credentials, now: datetime) -> list[asyncpg.Record]:
    """The caller's account stream in version order, rows of `records.COLUMNS`; [] when no
    such live session or token, or no such account."""
    return await pool.fetch(_ACCOUNT_EVENTS[credentials.kind], *account_arguments(credentials, now))


async def close_session(pool: asyncpg.Pool, token: str) -> None:
    await pool.execute("DELETE FROM sessions WHERE token_hash = $1", _digest(token))


async def close_all(pool: asyncpg.Pool, account_id: str, keep: str | None = None) -> None:
    """End every session of an account (but `keep`, the caller's own, if given)."""
    await pool.execute(
        "DELETE FROM sessions WHERE account_id = $1 AND token_hash IS DISTINCT FROM $2",
        account_id,
        None if keep is None else _digest(keep),
    )


async def revoke_all_tokens(pool: asyncpg.Pool, account_id: str, now: datetime) -> None:
    await pool.execute(
        "UPDATE api_tokens SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL",
        account_id,
        now,
    )


class TokenInfo(msgspec.Struct, frozen=True):
    token_id: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


async def issue_token(pool: asyncpg.Pool, token_id: str, account_id: str, label: str, now: datetime) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await pool.execute(
        "INSERT INTO api_tokens (token_id, token_hash, account_id, label, created_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        token_id,
        _digest(token),
        account_id,
        label,
        now,
    )
    return token


async def revoke_token(pool: asyncpg.Pool, account_id: str, token_id: str, now: datetime) -> bool:
    done = await pool.fetchval(
        """UPDATE api_tokens SET revoked_at = $3
            WHERE token_id = $1 AND account_id = $2 AND revoked_at IS NULL RETURNING true""",
        token_id,
        account_id,
        now,
    )
    return bool(done)


async def list_tokens(pool: asyncpg.Pool, account_id: str) -> list[TokenInfo]:
    rows = await pool.fetch(
        "SELECT token_id, label, created_at, revoked_at FROM api_tokens"
        " WHERE account_id = $1 ORDER BY created_at, token_id",
        account_id,
    )
    return [TokenInfo(r["token_id"], r["label"], r["created_at"], r["revoked_at"]) for r in rows]
