"""The first account: a root unit (unless one is named) and an admin on it.

Used by `qunsheng create-admin` and by the demo. It goes through the same command handlers
as the API; the new admin is the actor of its own creation, since nobody else exists yet.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from events.store import EventStore
from services.access.commands import CreateAccount, GrantRole
from services.access.credentials import normalise_login
from services.access.handle import handle as handle_account
from services.access.passwords import hash_password
from services.units.commands import CreateUnit
from services.units.handle import handle as handle_unit


async def first_root(pool: asyncpg.Pool) -> str | None:
    """The oldest root unit, read from the store itself (no runner may be running yet)."""
    value = await pool.fetchval(
        """SELECT data->>'unit_id' FROM events
            WHERE type = 'UnitCreated' AND data->>'parent_id' IS NULL ORDER BY position LIMIT 1"""
    )
    return None if value is None else str(value)


async def create_admin(
    store: EventStore,
    *,
    login: str,
    display_name: str,
    password: str,
    now: datetime,
    unit_id: str | None = None,
    unit_name: str = "单位",
    seed: uuid.UUID | None = None,
) -> tuple[str, str]:
    """Returns (account id, unit id). With `seed`, every id derives from it (idempotent)."""
    seed = seed or uuid.uuid4()
    account_id = str(uuid.uuid5(seed, "account"))
    unit_id = unit_id or await first_root(store.pool)
    if unit_id is None:
        unit_id = str(uuid.uuid5(seed, "unit"))
        await handle_unit(
            store,
            CreateUnit(unit_id=unit_id, parent_id=None, name=unit_name, kind="bureau"),
            command_id=uuid.uuid5(seed, "create-unit"),
            actor=account_id,
        )
    await handle_account(
        store,
        CreateAccount(
            account_id=account_id, login=normalise_login(login), display_name=display_name, unit_id=unit_id
        ),
        command_id=uuid.uuid5(seed, "create-account"),
        actor=account_id,
        now=now,
        password_hash=await hash_password(password),
    )
    await handle_account(
        store,
        GrantRole(account_id=account_id, unit_id=unit_id, role="admin"),
        command_id=uuid.uuid5(seed, "grant-admin"),
        actor=account_id,
        now=now,
    )
    return account_id, unit_id
