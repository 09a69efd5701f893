"""Rebuild from position 0 into fresh tables, swapped in while writes and the live runner go on."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from events.store import EventStore, Expect
from projections.rebuild import rebuild
from tests.integration.test_runner_processes import projected, reference
from tests.support.events import Happened, SeenEvents, TotalByStream
from tests.support.helpers import new
from tests.support.running import running, until

pytestmark = pytest.mark.integration


async def test_rebuild_while_writing_equals_the_events_and_serves_throughout(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    for i in range(600):
        await store.append(f"s{i % 25}", new(Happened(n=i)), Expect.ANY)
    stop = asyncio.Event()
    reads_failed: list[BaseException] = []

    async def write() -> None:
        i = 10_000
        while not stop.is_set():
            await store.append(f"s{i % 25}", new(Happened(n=i)), Expect.ANY)
            i += 1

    async def read() -> None:
        while not stop.is_set():
            try:
                await pool.fetchval("SELECT sum(total) FROM total_by_stream")
            except asyncpg.UndefinedTableError:
                pass  # before the live runner first created it
            except Exception as exc:  # any other failure means the swap was visible
                reads_failed.append(exc)
            await asyncio.sleep(0.005)

    async with running(dsn, pool, [TotalByStream()], batch_size=50):
        tasks = [asyncio.create_task(write()), asyncio.create_task(read())]
        replayed = await rebuild(dsn, TotalByStream(), batch_size=100)
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.gather(*tasks)
        expected = await reference(pool)
        await until(lambda: _equals(pool, expected), timeout=15)
    assert replayed >= 600
    assert reads_failed == []
    assert not await pool.fetchval("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'qs_rebuild_%'")


async def _equals(pool: asyncpg.Pool, expected: dict[str, tuple[int, int]]) -> bool:
    return await projected(pool) == expected


async def test_rebuild_of_a_never_run_projector_creates_its_tables(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    for i in range(30):
        await store.append(f"s{i}", new(Happened(n=i)), Expect.NO_STREAM)
    await rebuild(dsn, SeenEvents(), batch_size=7)
    rows = await pool.fetch("SELECT position FROM seen_events ORDER BY seq")
    assert [r[0] for r in rows] == list(range(1, 31))
