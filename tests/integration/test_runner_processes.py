"""Runner processes: SIGKILL in the middle of a batch, and take-over by a standby."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import asyncpg
import pytest

from events.store import EventStore, Expect
from tests.conftest import ROOT
from tests.support.events import Happened
from tests.support.helpers import new
from tests.support.running import until

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def start(dsn: str, owner: str, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.runner_proc", dsn, owner, *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(10)


async def reference(pool: asyncpg.Pool) -> dict[str, tuple[int, int]]:
    rows = await pool.fetch(
        "SELECT stream_id, sum((data->>'n')::bigint), count(*) FROM events GROUP BY stream_id"
    )
    return {r[0]: (r[1], r[2]) for r in rows}


async def projected(pool: asyncpg.Pool) -> dict[str, tuple[int, int]]:
    if not await pool.fetchval("SELECT to_regclass('total_by_stream') IS NOT NULL"):
        return {}
    return {r[0]: (r[1], r[2]) for r in await pool.fetch("SELECT * FROM total_by_stream")}


async def test_runner_killed_mid_batch_resumes_and_counts_exactly(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    for i in range(1500):
        await store.append(f"s{i % 40}", new(Happened(n=i)), Expect.ANY)
    proc = start(dsn, "first", "slow")
    try:
        # Kill only once a batch transaction of the counting projector is open.
        await until(lambda: _in_batch(pool, "first"), timeout=20, every=0.005)
        kill(proc)
        partial = await projected(pool)
        assert partial != await reference(pool)  # it really was stopped part-way
    finally:
        kill(proc)
    proc = start(dsn, "second")
    try:
        expected = await reference(pool)
        await until(lambda: _equals(pool, expected), timeout=30)
    finally:
        kill(proc)


async def _in_batch(pool: asyncpg.Pool, owner: str) -> bool:
    return bool(
        await pool.fetchval(
            """SELECT count(*) FROM pg_stat_activity WHERE application_name = $1
            AND xact_start IS NOT NULL AND backend_xid IS NOT NULL""",
            f"qs-test-runner-{owner}",
        )
    )


async def _equals(pool: asyncpg.Pool, expected: dict[str, tuple[int, int]]) -> bool:
    return await projected(pool) == expected


async def test_standby_runner_process_takes_over_when_the_owner_is_killed(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    a, b = start(dsn, "a"), start(dsn, "b")
    try:
        for i in range(100):
            await store.append(f"s{i}", new(Happened(n=i)), Expect.NO_STREAM)
        await until(lambda: _seen(pool, 100), timeout=20)
        owners = [r[0] for r in await pool.fetch("SELECT DISTINCT owner FROM seen_events")]
        assert len(owners) == 1  # only one process applies
        kill(a if owners[0] == "a" else b)
        killed_at = asyncio.get_running_loop().time()
        for i in range(100, 200):
            await store.append(f"s{i}", new(Happened(n=i)), Expect.NO_STREAM)
        await until(lambda: _seen(pool, 200), timeout=20)
        took = asyncio.get_running_loop().time() - killed_at
        later = {
            r[0] for r in await pool.fetch("SELECT DISTINCT owner FROM seen_events WHERE position > 100")
        }
        assert later == {"b" if owners[0] == "a" else "a"}
        assert took < 5  # lease 0.2 s; generous for a loaded 2-core machine
        dupes = await pool.fetchval(
            "SELECT count(*) FROM (SELECT event_id FROM seen_events GROUP BY 1 HAVING count(*) > 1) d"
        )
        assert dupes == 0
    finally:
        kill(a)
        kill(b)


async def _seen(pool: asyncpg.Pool, n: int) -> bool:
    if not await pool.fetchval("SELECT to_regclass('seen_events') IS NOT NULL"):
        return False
    return await pool.fetchval("SELECT count(*) FROM seen_events") == n
