"""Fuzz: many concurrent writers, some rolling back, two runners tailing, then a rebuild."""

from __future__ import annotations

import asyncio
import os
import random

import asyncpg
import pytest

from events.store import EventStore, Expect
from events.store.append import StreamOrderConflict, append
from projections.rebuild import rebuild
from tests.support.events import Happened, SeenEvents
from tests.support.helpers import new
from tests.support.running import running, until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

WRITERS = 32
APPENDS = int(os.environ.get("QS_FUZZ_APPENDS", "2000"))


class Rollback(Exception):
    pass


async def test_concurrent_writers_with_rollbacks_are_projected_exactly_once_in_stream_order(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    committed: set[object] = set()

    async def writer(w: int) -> None:
        rng = random.Random(w)
        for i in range(APPENDS):
            stream = f"s{rng.randrange(300)}"
            batch = new(Happened(n=i, note=f"w{w}"))
            if rng.random() < 0.10:
                async with pool.acquire() as conn:
                    try:
                        async with conn.transaction():
                            await append(conn, stream, batch, Expect.ANY)
                            if rng.random() < 0.5:
                                await asyncio.sleep(0.01)  # a slow transaction that then rolls back
                            raise Rollback
                    except (Rollback, StreamOrderConflict):
                        pass  # rolled back either way; a lost race is a rollback too
            else:
                await store.append(stream, batch, Expect.ANY)
                committed.add(batch[0].event_id)

    tailers = [SeenEvents("seen_a", owner="1"), SeenEvents("seen_b", owner="1")]
    others = [SeenEvents("seen_a", owner="2"), SeenEvents("seen_b", owner="2")]
    async with (
        running(dsn, pool, tailers, batch_size=300),
        running(dsn, pool, others, batch_size=300),
    ):
        await asyncio.gather(*(writer(w) for w in range(WRITERS)))
        for table in ("seen_a", "seen_b"):
            await until(lambda t=table: _count_is(pool, t, len(committed)), timeout=60)
        await asyncio.sleep(0.5)  # anything extra would show up now
    for table in ("seen_a", "seen_b"):
        ids = [r[0] for r in await pool.fetch(f"SELECT event_id FROM {table}")]
        assert len(ids) == len(set(ids)) and set(ids) == committed
        assert await _out_of_order(pool, table) == 0
    await rebuild(dsn, SeenEvents("seen_a"), batch_size=5000)
    rebuilt = {r[0] for r in await pool.fetch("SELECT event_id FROM seen_a")}
    assert rebuilt == committed and await _out_of_order(pool, "seen_a") == 0


async def _count_is(pool: asyncpg.Pool, table: str, n: int) -> bool:
    if not await pool.fetchval(f"SELECT to_regclass('{table}') IS NOT NULL"):
        return False
    return await pool.fetchval(f"SELECT count(*) FROM {table}") == n


async def _out_of_order(pool: asyncpg.Pool, table: str) -> int:
    """Events applied before an earlier version of their own stream."""
    return int(
        await pool.fetchval(f"""
        SELECT count(*) FROM (
          SELECT stream_version, lag(stream_version) OVER (PARTITION BY stream_id ORDER BY seq) AS prev
            FROM {table}) t
         WHERE prev IS NOT NULL AND stream_version <> prev + 1""")
    )
