"""Carry out an account command: read the stream, decide, append — with the credential
row written in the same transaction when the command carries a new password hash, so an
account never exists without its password or the other way round.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from events.accounts import stream
from events.base import pending
from events.store import EventStore
from events.store.append import append
from events.store.db import Db, Queryable
from events.store.expected import ExpectedVersion
from events.store.read_stream import read_stream
from services.access import credentials
from services.access.commands import AccountCommand, CreateAccount, SetPassword
from services.access.decider import AccountExists, AccountState, decide, fold
from services.commanding import Outcome, replayed, retry_order_conflicts


async def handle(
    store: EventStore,
    command: AccountCommand,
    *,
    command_id: uuid.UUID,
    actor: str | None,
    now: datetime,
    password_hash: str | None = None,
    expected: ExpectedVersion | None = None,
) -> Outcome:
    async def attempt() -> Outcome:
        return await _handle(store, command, command_id, actor, now, password_hash, expected)

    return await retry_order_conflicts(attempt)


async def _handle(
    store: EventStore,
    command: AccountCommand,
    command_id: uuid.UUID,
    actor: str | None,
    now: datetime,
    password_hash: str | None,
    expected: ExpectedVersion | None,
) -> Outcome:
    async with store.unit_of_work() as conn:
        done = await replayed(conn, command_id)
        if done is not None:
            return done
        state, version = await load(conn, command.account_id)
        events = decide(command, state)
        if not events:
            return Outcome(None, version)
        result = await append(
            conn,
            stream(command.account_id),
            pending(events, command_id=command_id, actor=actor),
            version if expected is None else expected,
        )
        await _write_secret(conn, command, password_hash, now)
        return Outcome(result.positions[-1], result.last_version)


async def load(conn: Queryable, account_id: str) -> tuple[AccountState, int]:
    recorded = await read_stream(conn, stream(account_id))
    version = recorded[-1].stream_version if recorded else 0
    return fold([r.event for r in recorded]), version


async def _write_secret(conn: Db, command: AccountCommand, password_hash: str | None, now: datetime) -> None:
    if password_hash is None:
        return
    if isinstance(command, CreateAccount):
        try:
            async with conn.transaction():  # a savepoint, so the error can be translated
                await credentials.insert(conn, command.account_id, command.login, password_hash, now)
        except asyncpg.UniqueViolationError:
            raise AccountExists("this login is taken") from None
    elif isinstance(command, SetPassword):
        await credentials.replace_hash(conn, command.account_id, password_hash, now)
