"""The restore runbook (docs/operations.md), done: a store dumped from the shared cluster and
restored into a private, freshly made cluster opens a new era at `migrate`; new events sort
after every restored one, and a projector restored with its checkpoint continues exactly
once, as if nothing had happened."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from events.base import START
from events.store import EventStore, Expect
from events.store.migrate import migrate
from events.store.read_all import read_all
from tests.conftest import _with_database
from tests.support.events import Happened, TotalByStream
from tests.support.helpers import new
from tests.support.ops_procs import PrivatePostgres, Procs
from tests.support.running import running, until

pytestmark = [pytest.mark.integration, pytest.mark.ops]


async def _fill(dsn: str, streams: int, each: int, offset: int, prefix: str = "s") -> None:
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    store = EventStore(pool)
    try:
        for i in range(streams * each):
            await store.append(f"{prefix}{i % streams}", new(Happened(n=offset + i)), Expect.ANY)
        async with running(dsn, pool, [TotalByStream()]):
            await until(lambda: _projected(pool), timeout=30)
    finally:
        await store.close()
        await pool.close()


async def _projected(pool: asyncpg.Pool) -> bool:
    """The projection equals a count from the events: an event applied twice or skipped
    would make a total differ."""
    expected = await pool.fetch("SELECT stream_id, sum((data->>'n')::bigint) AS t FROM events GROUP BY 1")
    if not await pool.fetchval("SELECT to_regclass('total_by_stream') IS NOT NULL"):
        return False
    got = {r[0]: r[1] for r in await pool.fetch("SELECT * FROM total_by_stream")}
    return got == {r["stream_id"]: r["t"] for r in expected}


async def _run(argv: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    done = await asyncio.to_thread(
        subprocess.run, argv, input=stdin, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture
async def restored(ops_dsn: str, procs: Procs, tmp_path: Path) -> AsyncIterator[tuple[str, int, int]]:
    """The runbook's steps 1-2: a dump of a store with a projector, restored into a private,
    freshly made cluster, then `migrate`. Yields (dsn, era before, events restored)."""
    await _fill(ops_dsn, streams=5, each=40, offset=0)
    dump = tmp_path / "store.dump"
    pg = PrivatePostgres(procs)
    await _run([str(pg.bin / "pg_dump"), "-Fc", "-d", ops_dsn, "-f", str(dump)])
    await asyncio.to_thread(pg.start)
    try:
        admin = await asyncpg.connect(pg.dsn)
        await admin.execute("CREATE DATABASE restored")
        await admin.close()
        target = _with_database(pg.dsn, "restored")
        # pg_restore to a script, then psql: the script step drops `SET (pg_attver=…)` column
        # options that this machine's PostgreSQL build records and stock PostgreSQL refuses.
        # An ordinary cluster takes `pg_restore -d` directly.
        script = await _run([str(pg.bin / "pg_restore"), "--no-owner", "-f", "-", str(dump)])
        sql = "\n".join(line for line in script.stdout.splitlines() if "pg_attver=" not in line)
        await _run([str(pg.bin / "psql"), "-v", "ON_ERROR_STOP=1", "-q", "-d", target], sql)
        conn = await asyncpg.connect(target)
        try:
            before = await conn.fetchval("SELECT era FROM store_meta")
            await migrate(conn)
            assert await conn.fetchval("SELECT era FROM store_meta") == before + 1, "a new era opened"
            old = await conn.fetchval("SELECT count(*) FROM events")
        finally:
            await conn.close()
        yield target, before, old
    finally:
        pg.stop("immediate")


async def test_restore_into_another_cluster_opens_a_new_era_and_projectors_continue(
    restored: tuple[str, int, int],
) -> None:
    target, before, old = restored
    # New streams in the new cluster; the restored projector (rows and checkpoint) goes on.
    await _fill(target, streams=5, each=20, offset=10_000, prefix="new")
    conn = await asyncpg.connect(target)
    try:
        ordered = await read_all(conn, START, limit=100_000)
        eras = [e.checkpoint.era for e in ordered]
        assert eras == sorted(eras) and eras.count(before) == old, "every old event sorts first"
        assert len(ordered) == old + 100
    finally:
        await conn.close()


async def test_after_restore_existing_streams_take_new_events(restored: tuple[str, int, int]) -> None:
    target = restored[0]
    await _fill(target, streams=5, each=2, offset=20_000)  # the restored streams s0..s4
