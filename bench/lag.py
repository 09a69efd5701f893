"""Projection lag while appends run steadily at a fixed rate; the runner in its own process.

Lag of an event = when the projector wrote it (clock_timestamp() in its batch) minus when
`append` returned to the writer. Both clocks are this machine's.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from typing import ClassVar

import asyncpg

from bench.append import one
from bench.events_for_bench import BenchHappened
from bench.harness import ROOT, percentile
from events.base import Checkpoint, RecordedEvent
from events.store import EventStore, Expect
from events.store import checkpoints as cp
from projections.projector import Projector

SECONDS = 10.0


class LagProbe(Projector):
    name: ClassVar[str] = "bench_lag"
    handles = frozenset({BenchHappened})
    tables = ("bench_lag",)
    ddl = "CREATE TABLE IF NOT EXISTS bench_lag (event_id uuid PRIMARY KEY, applied_at float8 NOT NULL)"

    async def apply_batch(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        await conn.execute(
            """INSERT INTO bench_lag SELECT id, extract(epoch FROM clock_timestamp())
                 FROM unnest($1::uuid[]) id""",
            [e.event_id for e in events],
        )


async def run(dsn: str, per_second: float) -> dict[str, float]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.lag_runner", dsn],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    pool = await asyncpg.create_pool(dsn, min_size=16, max_size=16)
    store = EventStore(pool)
    try:
        await _caught_up(pool)  # the runner first replays what earlier benchmarks appended
        appended = await _steady_appends(store, per_second)
        ids = list(appended)
        while await pool.fetchval("SELECT count(*) FROM bench_lag WHERE event_id = ANY($1)", ids) < len(ids):
            await asyncio.sleep(0.05)
        rows = await pool.fetch("SELECT event_id, applied_at FROM bench_lag WHERE event_id = ANY($1)", ids)
    finally:
        proc.kill()
        proc.wait()
        await store.close()
        await pool.close()
    lags = [(r["applied_at"] - appended[r["event_id"]]) * 1000 for r in rows if r["event_id"] in appended]
    return {
        "rate": len(appended) / SECONDS,
        "p50_ms": percentile(lags, 50),
        "p99_ms": percentile(lags, 99),
    }


async def _caught_up(pool: asyncpg.Pool) -> None:
    head = await pool.fetchrow(
        "SELECT era, transaction_id::text::bigint AS tx, position FROM events"
        " ORDER BY era DESC, transaction_id DESC, position DESC LIMIT 1"
    )
    target = Checkpoint(head["era"], head["tx"], head["position"]) if head else Checkpoint()
    while await cp.load(pool, LagProbe.name) < target:
        await asyncio.sleep(0.05)


async def _steady_appends(store: EventStore, per_second: float) -> dict[uuid.UUID, float]:
    appended: dict[uuid.UUID, float] = {}
    gate = asyncio.Semaphore(64)

    async def append_one(i: int) -> None:
        async with gate:
            batch = one()
            await store.append(f"lag-{i}", batch, Expect.NO_STREAM)
            appended[batch[0].event_id] = time.time()

    tasks, started, i = [], time.perf_counter(), 0
    while (elapsed := time.perf_counter() - started) < SECONDS:
        while i < elapsed * per_second:  # keep to the schedule, whatever the loop's jitter
            tasks.append(asyncio.create_task(append_one(i)))
            i += 1
        await asyncio.sleep(0.002)
    await asyncio.gather(*tasks)
    return appended
