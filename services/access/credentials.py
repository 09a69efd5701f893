"""The `credentials` table: login name → account id and argon2id hash. Mutable on purpose."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from events.store.db import Db, Queryable


def normalise_login(login: str) -> str:
    """One spelling per login: NFKC (full-width letters become ASCII), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", login).strip().casefold()


async def insert(conn: Db, account_id: str, login: str, password_hash: str, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO credentials (account_id, login, password_hash, updated_at) VALUES ($1, $2, $3, $4)",
        account_id,
        normalise_login(login),
        password_hash,
        now,
    )


async def replace_hash(conn: Db, account_id: str, password_hash: str, now: datetime) -> None:
    await conn.execute(
        "UPDATE credentials SET password_hash = $2, updated_at = $3 WHERE account_id = $1",
        account_id,
        password_hash,
        now,
    )


async def find(conn: Queryable, login: str) -> tuple[str, str] | None:
    """(account id, hash) for a login, or None."""
    row = await conn.fetchrow(
        "SELECT account_id, password_hash FROM credentials WHERE login = $1", normalise_login(login)
    )
    return None if row is None else (row["account_id"], row["password_hash"])


async def login_taken(conn: Queryable, login: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM credentials WHERE login = $1)", normalise_login(login)
        )
    )


async def rehash(pool: Queryable, account_id: str, password_hash: str, now: datetime) -> None:
    """The same password under stronger parameters: no event, nothing about it changed."""
    await pool.execute(
        "UPDATE credentials SET password_hash = $2, updated_at = $3 WHERE account_id = $1",
        account_id,
        password_hash,
        now,
    )
