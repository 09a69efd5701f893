"""read_all follows the global order without ever skipping a late commit."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from events.base import START, Checkpoint
from events.store import EventStore, Expect
from events.store.append import StreamOrderConflict, append
from events.store.migrate import guard_era
from events.store.read_all import read_all
from tests.support.events import Happened
from tests.support.helpers import new

pytestmark = pytest.mark.integration


async def drain(pool: asyncpg.Pool, after: Checkpoint = START) -> tuple[list[int], Checkpoint]:
    seen: list[int] = []
    while batch := await read_all(pool, after, 100):
        seen += [e.event.n for e in batch if isinstance(e.event, Happened)]
        after = batch[-1].checkpoint
    return seen, after


async def test_read_all_never_passes_an_open_transaction(store: EventStore, pool: asyncpg.Pool) -> None:
    await store.append("a", new(Happened(n=1)), Expect.NO_STREAM)
    async with pool.acquire() as slow:
        tx = slow.transaction()
        await tx.start()
        await append(slow, "late", new(Happened(n=2)), Expect.NO_STREAM)  # position 2, uncommitted
        for i in range(3, 8):
            await store.append(f"b{i}", new(Happened(n=i)), Expect.NO_STREAM)
        seen, at = await drain(pool)
        assert seen == [1]  # the later commits wait behind the open transaction
        await asyncio.sleep(0.3)
        assert (await drain(pool, at))[0] == []
        await tx.commit()
    rest, _ = await drain(pool, at)
    assert sorted(rest) == [2, 3, 4, 5, 6, 7] and rest[0] == 2


async def test_read_all_moves_past_a_rolled_back_transaction(store: EventStore, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as slow:
        tx = slow.transaction()
        await tx.start()
        await append(slow, "late", new(Happened(n=1)), Expect.NO_STREAM)
        await store.append("b", new(Happened(n=2)), Expect.NO_STREAM)
        assert (await drain(pool))[0] == []
        await tx.rollback()
    assert (await drain(pool))[0] == [2]


async def test_read_all_keeps_stream_versions_in_order_when_the_older_transaction_appends_later(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as t1, pool.acquire() as t2:
        tx1 = t1.transaction()
        await tx1.start()
        await append(t1, "other", new(Happened(n=100)), Expect.NO_STREAM)  # t1 takes its id first
        await append(t2, "s", new(Happened(n=1)), Expect.NO_STREAM)  # t2 commits version 1
        with pytest.raises(StreamOrderConflict):
            await append(t1, "s", new(Happened(n=2)), 1)  # would sort before version 1
        await tx1.rollback()
    await store.append("s", new(Happened(n=2)), 1)  # the retry, in a fresh transaction
    events = [e for e in await read_all(pool, START, 100) if e.stream_id == "s"]
    assert [e.stream_version for e in events] == [1, 2]


async def test_read_all_orders_an_older_era_first_after_a_restore(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    await store.append("before", new(Happened(n=1)), Expect.NO_STREAM)
    # Simulate a store restored from a cluster whose transaction counter was far ahead.
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE events SET transaction_id = (pg_current_xact_id()::text::bigint + 1000000)::text::xid8"
        )
        era_before = await conn.fetchval("SELECT era FROM store_meta")
        assert await guard_era(conn) is True
        assert await conn.fetchval("SELECT era FROM store_meta") == era_before + 1
        assert await guard_era(conn) is False  # stable once the new era is open
    await store.append("after", new(Happened(n=2)), Expect.NO_STREAM)
    await store.append("before", new(Happened(n=3)), 1)  # a restored stream goes on
    seen, _ = await drain(pool)
    assert seen == [1, 2, 3]


async def test_read_all_is_not_held_back_by_a_transaction_in_another_database(
    store: EventStore, pool: asyncpg.Pool, server_dsn: str
) -> None:
    neighbour = await asyncpg.connect(server_dsn)  # another database of the same cluster
    try:
        tx = neighbour.transaction()
        await tx.start()
        await neighbour.fetchval("SELECT pg_current_xact_id()")  # holds a transaction id
        await store.append("a", new(Happened(n=1)), Expect.NO_STREAM)
        assert (await drain(pool))[0] == [1]
        await tx.rollback()
    finally:
        await neighbour.close()
