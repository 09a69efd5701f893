"""Rebuild a projector from position 0 into fresh tables, then swap them in atomically.

The replay runs on its own connection whose search_path puts a private schema first, so
the projector's unqualified table names land in fresh tables while the live ones keep
serving. The swap is one transaction: lock the live tables (waiting for the live runner's
batch in flight), take the checkpoint row, replay what arrived meanwhile, replace the live
tables by the fresh ones and set the checkpoint to where the replay stopped. The live
runner's next compare-and-set then fails, it reloads the checkpoint and carries on from
the rebuilt state, so writes never stop and no event is applied twice.
"""

from __future__ import annotations

from collections.abc import Callable

import asyncpg

from events.base import START, Checkpoint
from events.store import checkpoints as cp
from events.store.db import Db
from events.store.read_all import read_all_raw
from events.store.records import TYPE, to_recorded
from projections.projector import Projector

Progress = Callable[[int, Checkpoint], None]


async def rebuild(
    dsn: str, projector: Projector, *, batch_size: int = 2000, progress: Progress | None = None
) -> int:
    """Rebuild and swap in `projector`'s tables. Returns the number of events applied."""
    shadow = f"qs_rebuild_{projector.name}"
    conn = await asyncpg.connect(dsn, server_settings={"search_path": f"{shadow}, public"})
    try:
        if not await conn.fetchval("SELECT pg_try_advisory_lock(3, hashtext($1))", projector.name):
            raise RuntimeError(f"a rebuild of {projector.name} is already running")
        await conn.execute(f"DROP SCHEMA IF EXISTS {shadow} CASCADE; CREATE SCHEMA {shadow}")
        await projector.create_tables(conn)
        position, applied = START, 0
        while True:
            async with conn.transaction():
                position, n = await _replay(conn, projector, position, batch_size)
            applied += n
            if progress is not None:
                progress(applied, position)
            if n < batch_size:
                break
        async with conn.transaction():
            await _swap(conn, projector, shadow, position, batch_size)
        return applied
    finally:
        await conn.close()


async def _replay(conn: Db, projector: Projector, after: Checkpoint, limit: int) -> tuple[Checkpoint, int]:
    rows = await read_all_raw(conn, after, limit)
    if not rows:
        return after, 0
    wanted = projector.handled_types()
    events = [to_recorded(r) for r in rows if r[TYPE] in wanted]
    if events:
        await projector.apply_batch(conn, events)
    last = rows[-1]
    return Checkpoint(last["era"], last["tx"], last["position"]), len(rows)


async def _swap(conn: Db, projector: Projector, shadow: str, position: Checkpoint, limit: int) -> None:
    # Lock the live tables that exist (none on a new store; old-shaped ones when the
    # projector's version changed — the new DDL is never run against them).
    live = [t for t in projector.tables if await conn.fetchval("SELECT to_regclass($1)", f"public.{t}")]
    if live:
        await conn.execute(f"LOCK TABLE {', '.join(f'public.{t}' for t in live)} IN ACCESS EXCLUSIVE MODE")
    await cp.ensure(conn, projector.name)
    await conn.execute("SELECT 1 FROM projection_checkpoints WHERE name = $1 FOR UPDATE", projector.name)
    while True:  # what was appended while the replay ran
        position, n = await _replay(conn, projector, position, limit)
        if n < limit:
            break
    for table in projector.tables:
        await conn.execute(f"DROP TABLE IF EXISTS public.{table} CASCADE")
        await conn.execute(f"ALTER TABLE {shadow}.{table} SET SCHEMA public")
    await cp.store(conn, projector.name, position)
    await cp.set_version(conn, projector.name, projector.version)  # these tables are its own
    await conn.execute(f"DROP SCHEMA {shadow} CASCADE")
