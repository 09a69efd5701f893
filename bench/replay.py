"""Replay: the runner catching a counting projector up over N events, beside a raw scan."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import ClassVar

import asyncpg

from bench.events_for_bench import BenchHappened
from events import catalogue
from events.base import Checkpoint, RecordedEvent
from events.store import checkpoints as cp
from projections.projector import Projector
from projections.runner import Runner

CHUNK = 50_000


class CountAll(Projector):
    name: ClassVar[str] = "bench_count"
    handles = frozenset({BenchHappened})
    tables = ("bench_count",)
    ddl = "CREATE TABLE IF NOT EXISTS bench_count (id int PRIMARY KEY, n bigint NOT NULL)"

    async def apply_batch(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        await conn.execute(
            """INSERT INTO bench_count VALUES (1, $1)
               ON CONFLICT (id) DO UPDATE SET n = bench_count.n + $1""",
            len(events),
        )


async def fill(dsn: str, total: int) -> None:
    """Insert `total` events straight into the table (set-up, not measured), in many transactions."""
    body = catalogue.encode(BenchHappened(n=0)).decode().replace('"n":0', '"n":')
    conn = await asyncpg.connect(dsn)
    for start in range(0, total, CHUNK):
        await conn.execute(
            """INSERT INTO events
                      (era, event_id, stream_id, stream_version, type, schema_version, data, metadata)
               SELECT 0, gen_random_uuid(), 'replay-' || g, 1, 'BenchHappened', 1,
                      replace($3, '"n":', '"n":' || g)::jsonb,
                      '{"correlation_id": "00000000-0000-0000-0000-000000000001"}'::jsonb
                 FROM generate_series($1::bigint, $2::bigint) g""",
            start + 1,
            min(start + CHUNK, total),
            body,
        )
    await conn.execute("VACUUM ANALYZE events")
    await conn.close()


async def raw_scan(dsn: str, batch: int = 5000) -> float:
    """Rows per second reading every column of every event in order, undecoded."""
    conn = await asyncpg.connect(dsn)
    last, n, started = 0, 0, time.perf_counter()
    while rows := await conn.fetch(
        """SELECT position, era, transaction_id::text, event_id, stream_id, stream_version, type,
                  schema_version, data::text, metadata::text, recorded_at
             FROM events WHERE position > $1 ORDER BY position LIMIT $2""",
        last,
        batch,
    ):
        n += len(rows)
        last = rows[-1]["position"]
    elapsed = time.perf_counter() - started
    await conn.close()
    return n / elapsed


async def replay(dsn: str, batch: int = 5000) -> float:
    """Events per second for the runner to take a new counting projector from 0 to the head."""
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=4)
    total = await pool.fetchval("SELECT count(*) FROM events")
    head = await pool.fetchrow(
        "SELECT era, transaction_id::text::bigint AS tx, position FROM events"
        " ORDER BY era DESC, transaction_id DESC, position DESC LIMIT 1"
    )
    target = Checkpoint(head["era"], head["tx"], head["position"])
    runner = Runner(dsn, pool, [CountAll()], batch_size=batch, poll_seconds=0.05)
    started = time.perf_counter()
    task = asyncio.create_task(runner.run())
    while await cp.load(pool, CountAll.name) < target:
        await asyncio.sleep(0.02)
    elapsed = time.perf_counter() - started
    task.cancel()
    counted = await pool.fetchval("SELECT n FROM bench_count")
    await pool.close()
    assert counted == total, f"counted {counted}, expected {total}"
    return total / elapsed
