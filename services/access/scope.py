"""Is this resource inside the caller's subtree for this role? If not: 404, as if missing.

Answering 404 rather than 403 means a caller cannot learn that a unit or account exists
outside the part of the tree they may see.
"""

from __future__ import annotations

import asyncpg

from services.access.guards import Principal
from services.access.handle import load
from services.problems import NotFound


async def unit_path(pool: asyncpg.Pool, unit_id: str) -> list[str] | None:
    try:
        path = await pool.fetchval("SELECT path FROM unit_tree WHERE unit_id = $1", unit_id)
    except asyncpg.UndefinedTableError:  # the runner has not created its tables yet
        return None
    return None if path is None else list(path)


async def require_unit(pool: asyncpg.Pool, principal: Principal, unit_id: str, need: str) -> None:
    path = await unit_path(pool, unit_id)
    if path is None or not principal.units_with(need).intersection(path):
        raise NotFound()


async def require_account(
    pool: asyncpg.Pool, principal: Principal, account_id: str, need: str = "admin"
) -> None:
    """An account belongs to its home unit: admins of that unit's subtree manage it."""
    account, _ = await load(pool, account_id)
    if not account.exists:
        raise NotFound()
    await require_unit(pool, principal, account.unit_id, need)
