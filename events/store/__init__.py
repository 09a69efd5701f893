"""The event store facade: a pool, the SQL operations of this package, and wake-ups.

After a commit the store sends `NOTIFY qs_events` so projector runners wake at once. The
NOTIFY is sent outside the append's transaction (a NOTIFY inside it would take PostgreSQL's
global notify lock at commit and serialise every append) and coalesced: many appends in a
burst cost one NOTIFY. A lost wake-up costs only latency: runners also poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable, Sequence

import asyncpg

from events.base import START, Checkpoint, PendingEvent, RecordedEvent
from events.store.append import AppendResult, Condition, ConditionFailed, StreamOrderConflict, append
from events.store.db import Db
from events.store.expected import Expect, ExpectedVersion
from events.store.read_all import read_all
from events.store.read_stream import read_stream

CHANNEL = "qs_events"
ORDER_RETRIES = 20
NOTIFY_EVERY = 0.01  # seconds: at most ~100 NOTIFYs a second however many appends
log = logging.getLogger(__name__)

__all__ = ["CHANNEL", "AppendResult", "Condition", "ConditionFailed", "EventStore", "Expect"]


class EventStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._wake = asyncio.Event()
        self._notifier: asyncio.Task[None] | None = None
        self.local_listeners: list[Callable[[], None]] = []  # runners in this process

    async def append(
        self,
        stream_id: str,
        events: Sequence[PendingEvent],
        expected: ExpectedVersion,
        conn: asyncpg.Connection | None = None,
        condition: Condition | None = None,
    ) -> AppendResult:
        """`conn`: a connection the caller holds and that is in no transaction (each try is
        then a transaction of its own), else one from the pool. `condition`: see Condition."""
        # StreamOrderConflict only ever asks for a fresh transaction: retry a few times, with
        # a little jitter so writers racing for one hot stream spread out.
        for attempt in range(ORDER_RETRIES):
            try:
                if conn is not None:
                    result = await append(conn, stream_id, events, expected, condition=condition)
                else:
                    async with self.pool.acquire() as pooled:
                        result = await append(pooled, stream_id, events, expected, condition=condition)
                break
            except StreamOrderConflict:
                if attempt == ORDER_RETRIES - 1:
                    raise
                await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        self.poke()
        return result

    @contextlib.asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[Db]:
        """A transaction for appends that must commit with other writes; wakes readers after."""
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn
        self.poke()

    async def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        return await read_stream(self.pool, stream_id, after_version)

    async def read_all(self, after: Checkpoint = START, limit: int = 1000) -> list[RecordedEvent]:
        return await read_all(self.pool, after, limit)

    # -- wake-ups ----------------------------------------------------------------------
    def poke(self) -> None:
        for listener in self.local_listeners:
            listener()
        if self._notifier is None or self._notifier.done():
            self._notifier = asyncio.get_running_loop().create_task(self._notify_loop())
        self._wake.set()

    async def _notify_loop(self) -> None:
        # Runs while appends keep coming; each pass sends one NOTIFY for all of them.
        while self._wake.is_set():
            self._wake.clear()
            try:
                await self.pool.execute(f"NOTIFY {CHANNEL}")
            except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError) as exc:
                log.warning("notify failed (runners will poll): %s", type(exc).__name__)
                return
            await asyncio.sleep(NOTIFY_EVERY)

    async def close(self) -> None:
        if self._notifier is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._notifier, 1)
