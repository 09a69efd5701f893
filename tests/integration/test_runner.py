"""The runner: catch-up, follow, exactly-once checkpoints, wake-ups, read-your-writes."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from events.base import START, Checkpoint
from events.store import EventStore, Expect
from events.store import checkpoints as cp
from events.store.append import append
from projections.runner import wait_for
from tests.support.events import Happened, SeenEvents, TotalByStream
from tests.support.helpers import new
from tests.support.running import running, until

pytestmark = pytest.mark.integration


async def seen(pool: asyncpg.Pool, table: str = "seen_events") -> list[int]:
    return [r[0] for r in await pool.fetch(f"SELECT position FROM {table} ORDER BY position")]


async def test_runner_catches_up_then_follows_new_events(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    for i in range(25):
        await store.append(f"s{i % 3}", new(Happened(n=i)), Expect.ANY)
    async with running(dsn, pool, [TotalByStream()], batch_size=7):
        await until(lambda: _total(pool, 300))
        r = await store.append("s9", new(Happened(n=1000)), Expect.NO_STREAM)
        assert await wait_for(pool, ["total_by_stream"], r.positions[-1], timeout=5)
        assert await _sum(pool) == sum(range(25)) + 1000


async def _sum(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT coalesce(sum(total), 0) FROM total_by_stream") or 0)


async def _total(pool: asyncpg.Pool, expected: int) -> bool:
    exists = await pool.fetchval("SELECT to_regclass('total_by_stream') IS NOT NULL")
    return bool(exists) and await _sum(pool) == expected


async def test_runner_waits_for_a_late_commit_and_projects_it(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    async with running(dsn, pool, [SeenEvents()]):
        async with pool.acquire() as slow:
            tx = slow.transaction()
            await tx.start()
            late = await append(slow, "late", new(Happened(n=0)), Expect.NO_STREAM)
            for i in range(5):
                await store.append(f"b{i}", new(Happened(n=i)), Expect.NO_STREAM)
            await asyncio.sleep(2)  # held open for 2 s while others commit
            assert await _count(pool) == 0  # never passed it
            await tx.commit()
        await until(lambda: _count_is(pool, 6))
        assert (await seen(pool))[0] == late.positions[0]


async def test_runner_moves_on_within_one_poll_after_a_rollback(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    async with running(dsn, pool, [SeenEvents()], poll_seconds=0.5):
        async with pool.acquire() as slow:
            tx = slow.transaction()
            await tx.start()
            await append(slow, "late", new(Happened(n=0)), Expect.NO_STREAM)
            await store.append("b", new(Happened(n=1)), Expect.NO_STREAM)
            await asyncio.sleep(0.6)
            await tx.rollback()  # no NOTIFY follows a rollback: only the poll wakes the runner
        started = asyncio.get_running_loop().time()
        await until(lambda: _count_is(pool, 1), timeout=3)
        assert asyncio.get_running_loop().time() - started < 1.5


async def _count(pool: asyncpg.Pool, table: str = "seen_events") -> int:
    if not await pool.fetchval(f"SELECT to_regclass('{table}') IS NOT NULL"):
        return 0
    return int(await pool.fetchval(f"SELECT count(*) FROM {table}"))


async def _count_is(pool: asyncpg.Pool, n: int, table: str = "seen_events") -> bool:
    return await _count(pool, table) == n


async def test_checkpoint_compare_and_set_refuses_a_stale_owner(pool: asyncpg.Pool) -> None:
    await cp.ensure(pool, "p")
    async with pool.acquire() as conn, conn.transaction():
        await cp.advance(conn, "p", START, Checkpoint(0, 5, 5))
    async with pool.acquire() as conn:
        with pytest.raises(cp.CheckpointMoved):
            async with conn.transaction():
                await cp.advance(conn, "p", START, Checkpoint(0, 9, 9))
    assert await cp.load(pool, "p") == Checkpoint(0, 5, 5)


async def test_two_runners_in_one_process_apply_each_event_once(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    async with (
        running(dsn, pool, [SeenEvents(owner="a")]),
        running(dsn, pool, [SeenEvents(owner="b")]),
    ):
        for i in range(200):
            await store.append(f"s{i}", new(Happened(n=i)), Expect.NO_STREAM)
        await until(lambda: _count_is(pool, 200))
        await asyncio.sleep(0.5)
    assert await _count(pool) == 200
    owners = {r[0] for r in await pool.fetch("SELECT DISTINCT owner FROM seen_events")}
    assert len(owners) == 1


async def test_runner_catches_up_by_polling_when_its_notify_connection_is_dropped(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    async with running(dsn, pool, [SeenEvents()], poll_seconds=0.3):
        await store.append("a", new(Happened(n=1)), Expect.NO_STREAM)
        await until(lambda: _count_is(pool, 1))
        # Drop the runner's LISTEN connection: wake-ups are lost until it reconnects.
        await pool.execute(
            """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database()
                  AND application_name = 'qunsheng-runner-control'"""
        )
        for i in range(2, 12):
            await store.append(f"b{i}", new(Happened(n=i)), Expect.NO_STREAM)
        await until(lambda: _count_is(pool, 11), timeout=10)
        # Appends that send no NOTIFY at all (as if every wake-up were lost) still arrive.
        async with pool.acquire() as conn:
            for i in range(12, 17):
                await append(conn, f"quiet{i}", new(Happened(n=i)), Expect.NO_STREAM)
        await until(lambda: _count_is(pool, 16), timeout=3)


async def test_wait_for_answers_false_when_the_projector_is_not_running(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    r = await store.append("a", new(Happened(n=1)), Expect.NO_STREAM)
    await cp.ensure(pool, "idle")
    assert await wait_for(pool, ["idle"], r.positions[0], timeout=0.2) is False


async def test_runner_recovers_when_every_connection_it_has_is_killed(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    """As after a database restart: the control connection and the pool's connections all die."""
    runner_pool = await asyncpg.create_pool(
        dsn, min_size=2, max_size=4, server_settings={"application_name": "qs-test-restart"}
    )
    try:
        async with running(dsn, runner_pool, [SeenEvents()], poll_seconds=0.2):
            await store.append("a", new(Happened(n=1)), Expect.NO_STREAM)
            await until(lambda: _count_is(pool, 1))
            await pool.execute(
                """SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE datname = current_database()
                      AND application_name IN ('qs-test-restart', 'qunsheng-runner-control')"""
            )
            for i in range(2, 7):
                await store.append(f"b{i}", new(Happened(n=i)), Expect.NO_STREAM)
            await until(lambda: _count_is(pool, 6), timeout=15)
    finally:
        await runner_pool.close()


async def test_a_runner_cancelled_while_a_child_fails_on_its_connection_stops(
    dsn: str, pool: asyncpg.Pool
) -> None:
    """Cancelled while a child fails on its connection (a query cut short by the
    cancellation itself), the runner stops instead of reconnecting (on Python 3.11 a
    TaskGroup turned this into the child's error; a test's teardown once hung on it)."""
    from projections.runner import Runner

    class CutShort(Runner):
        async def _watch(self, control: object) -> None:
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                raise OSError("the query was cut short") from None

    runner = CutShort(dsn, pool, [SeenEvents()], poll_seconds=0.05)
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(0.3)  # connected, children running
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=5)
    assert done and task.cancelled()
