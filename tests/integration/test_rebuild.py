"""Rebuild from position 0 into fresh tables, swapped in while writes and the live runner go on."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg
import pytest

from events.base import RecordedEvent
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


VERSIONED = "seen_versioned"  # a table of its own: the new shape must not leak into other tests


class SeenEventsV2(SeenEvents):
    """The same projector in a new version: a column more, and an index on it (which the
    old table could not take)."""

    version = 2

    def __init__(self) -> None:
        super().__init__(VERSIONED)
        self.ddl = (  # type: ignore[misc]
            f"CREATE TABLE IF NOT EXISTS {VERSIONED} (seq bigint GENERATED ALWAYS AS IDENTITY,"
            " event_id uuid NOT NULL, position bigint NOT NULL, stream_id text NOT NULL,"
            " stream_version bigint NOT NULL, owner text NOT NULL, doubled bigint NOT NULL);"
            f" CREATE INDEX IF NOT EXISTS seen_doubled ON {VERSIONED} (doubled)"
        )

    async def apply_batch(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        await conn.executemany(
            f"INSERT INTO {VERSIONED} (event_id, position, stream_id, stream_version, owner, doubled)"
            " VALUES ($1, $2, $3, $4, 'v2', $5)",
            [(e.event_id, e.position, e.stream_id, e.stream_version, 2 * e.position) for e in events],
        )


async def test_a_new_projector_version_is_rebuilt_by_its_runner_before_it_goes_on(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    for i in range(8):
        await store.append(f"s{i}", new(Happened(n=i)), Expect.NO_STREAM)
    try:
        async with running(dsn, pool, [SeenEvents(VERSIONED)]):
            await until(lambda: _count(pool, 8))
        async with running(dsn, pool, [SeenEventsV2()]):
            await store.append("s9", new(Happened(n=9)), Expect.NO_STREAM)
            await until(lambda: _count(pool, 9, "v2"))
        rows = await pool.fetch(f"SELECT position, doubled, owner FROM {VERSIONED} ORDER BY position")
        assert [(r["doubled"], r["owner"]) for r in rows] == [(2 * r["position"], "v2") for r in rows]
        version = await pool.fetchval("SELECT version FROM projection_checkpoints WHERE name = $1", VERSIONED)
        assert version == 2
    finally:
        await pool.execute(f"DROP TABLE IF EXISTS {VERSIONED}")


async def _count(pool: asyncpg.Pool, n: int, owner: str | None = None) -> bool:
    if not await pool.fetchval(f"SELECT to_regclass('{VERSIONED}') IS NOT NULL"):
        return False
    if owner is not None and not await pool.fetchval(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns"
        f" WHERE table_name = '{VERSIONED}' AND column_name = 'doubled')"
    ):
        return False
    sql = f"SELECT count(*) FROM {VERSIONED}" + (" WHERE owner = $1" if owner else "")
    return bool(await pool.fetchval(sql, *([owner] if owner else [])) == n)
