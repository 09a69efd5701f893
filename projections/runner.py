"""The projection runner: catch up from each checkpoint in batches, then follow new events.

* One owner per projector across processes: a session advisory lock held on the runner's
  control connection. A process that dies loses the connection and with it the lock; a
  standby tries again every `lease_seconds` and takes over.
* Exactly once: a batch's rows and its checkpoint commit in one transaction, and the
  checkpoint moves by compare-and-set, so an owner that lost its lock without noticing
  (or raced a rebuild's swap) rolls back instead of applying twice.
* Woken by `NOTIFY qs_events` on the control connection; polls every `poll_seconds` as
  well, so a lost wake-up (dropped connection, rolled-back writer) costs one poll at most.
* Reconnects with backoff after the database goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
import weakref
from collections.abc import Sequence

import asyncpg

from events.base import START, Checkpoint
from events.store import CHANNEL
from events.store import checkpoints as cp
from events.store.db import Db
from events.store.read_all import read_all_raw
from events.store.records import TYPE, to_recorded
from projections.projector import Projector
from projections.rebuild import rebuild

log = logging.getLogger(__name__)
CONNECTION_ERRORS = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
)


TRY_LOCK = "SELECT pg_try_advisory_lock(2, hashtext($1))"


class ProjectorState:
    def __init__(self) -> None:
        self.owned = False
        self.checkpoint: Checkpoint | None = None
        self.applied = 0
        self.last_batch_at = 0.0
        self.woken = 0  # the runner's last wake-up tick when this projector cleared its own
        # The next batch, read while the current one is applied (catch-up reads overlap
        # the projector's writes): (checkpoint it was read after, task).
        self.prefetch: tuple[Checkpoint, asyncio.Task[list[asyncpg.Record]]] | None = None

    def drop_prefetch(self) -> None:
        if self.prefetch is not None:
            self.prefetch[1].cancel()
            self.prefetch = None


class Runner:
    def __init__(
        self,
        dsn: str,
        pool: asyncpg.Pool,
        projectors: Sequence[Projector],
        *,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        lease_seconds: float = 1.0,
    ) -> None:
        self.dsn = dsn
        self.pool = pool
        self.projectors = list(projectors)
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self.states = {p.name: ProjectorState() for p in self.projectors}
        self._wakes = {p.name: asyncio.Event() for p in self.projectors}
        self._control_lock = asyncio.Lock()
        # Read-your-writes in this process: waiters watch the in-memory checkpoints and wake
        # when a batch commits, instead of polling the database (see wait_for).
        self._loop: asyncio.AbstractEventLoop | None = None
        self._advanced = asyncio.Event()
        # Projectors woken together at one checkpoint share one read of what follows it:
        # checkpoint -> (tick it was started at, the read in flight). Only reads still in
        # flight are shared, and only reads started after the last wake-up a projector had
        # seen, so none takes a read that may have missed what woke it.
        self._ticks = itertools.count(1)
        self._woken_at = 0  # tick of the last wake-up (an append here, or a NOTIFY)
        self._reads: dict[Checkpoint, tuple[int, asyncio.Future[list[asyncpg.Record]]]] = {}
        _LOCAL.add(self)

    def wake(self) -> None:
        """Called by the store after an append in this process: no NOTIFY round trip needed."""
        self._on_notify()

    async def run(self) -> None:
        """Run until cancelled, reconnecting whenever the control connection is lost."""
        self._loop = asyncio.get_running_loop()
        backoff = 0.1
        while True:
            try:
                control = await asyncpg.connect(
                    self.dsn, server_settings={"application_name": "qunsheng-runner-control"}
                )
            except CONNECTION_ERRORS as exc:
                log.warning("runner cannot connect (%s); retrying", type(exc).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = 0.1
            try:
                await self._run_connected(control)
            except CONNECTION_ERRORS as exc:
                log.warning("runner lost the database (%s); reconnecting", type(exc).__name__)
            finally:
                for state in self.states.values():
                    state.owned = False
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(control.close(), 1)

    async def _run_connected(self, control: Db) -> None:
        """The watcher and one driver per projector, until one fails (its error is raised)
        or this is cancelled (CancelledError, always).

        Not a TaskGroup: on Python 3.11 a TaskGroup cancelled while a child fails (a query
        cut short by the cancellation itself) raises the child's error instead of the
        CancelledError — the reconnect loop then kept a cancelled runner alive for ever (a
        test's teardown hung on it) — and after a child's own failure it leaves the task
        marked as cancelling, so the two cannot be told apart afterwards."""
        await control.add_listener(CHANNEL, self._on_notify)
        children = [asyncio.create_task(self._watch(control))]
        children += [asyncio.create_task(self._drive(control, p)) for p in self.projectors]
        try:
            done, _ = await asyncio.wait(children, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            for child in children:
                child.cancel()
            await asyncio.gather(*children, return_exceptions=True)
        for child in done:
            failure = None if child.cancelled() else child.exception()
            if failure is not None:
                raise failure

    def _on_notify(self, *_: object) -> None:
        self._woken_at = next(self._ticks)
        for wake in self._wakes.values():
            wake.set()

    async def _watch(self, control: Db) -> None:
        # A dropped control connection means our locks may be gone: fail the whole group.
        while True:
            await asyncio.sleep(self.poll_seconds)
            async with self._control_lock:
                await control.fetchval("SELECT 1")

    async def _drive(self, control: Db, projector: Projector) -> None:
        state = self.states[projector.name]
        while not state.owned:
            async with self._control_lock:
                state.owned = bool(await control.fetchval(TRY_LOCK, projector.name))
            if not state.owned:
                await asyncio.sleep(self.lease_seconds)
        built_by = await cp.ensure(self.pool, projector.name, projector.version)
        if built_by != projector.version:  # before create_tables: the new DDL may not fit the old tables
            log.warning(
                "%s: tables built by version %s, code is %s: rebuilding",
                projector.name,
                built_by,
                projector.version,
            )
            await rebuild(self.dsn, projector)  # also records the version with the swap
        async with self.pool.acquire() as conn:
            await projector.create_tables(conn)
        state.checkpoint = await cp.load(self.pool, projector.name)
        wake = self._wakes[projector.name]
        try:
            while True:
                wake.clear()
                state.woken = self._woken_at
                if not await self._guarded_step(projector, state):
                    # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                    # cancellation that arrives as the wait ends, and the runner then never
                    # stops (seen once: a test's teardown hung on the cancelled runner).
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self.poll_seconds):
                            await wake.wait()
        finally:
            state.drop_prefetch()

    async def _guarded_step(self, projector: Projector, state: ProjectorState) -> bool:
        try:
            return await self._step(projector, state)
        except CONNECTION_ERRORS:
            raise
        except Exception:
            # A failing projector stalls alone (its lag shows it) and retries; it never
            # skips the event it failed on.
            log.exception("%s failed to apply a batch; retrying", projector.name)
            state.drop_prefetch()
            state.checkpoint = await cp.load(self.pool, projector.name)
            return False

    async def _step(self, projector: Projector, state: ProjectorState) -> bool:
        """Apply one batch. Returns False when there was nothing to read."""
        assert state.checkpoint is not None
        rows = await self._rows_after(state, state.checkpoint)
        if not rows:
            return False
        last = rows[-1]
        new = Checkpoint(last["era"], last["tx"], last["position"])
        if len(rows) == self.batch_size:  # more is waiting: read it while this batch applies
            state.prefetch = (
                new,
                asyncio.create_task(read_all_raw(self.pool, new, self.batch_size)),
            )
        wanted = projector.handled_types()
        events = [to_recorded(r) for r in rows if r[TYPE] in wanted]
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                if events:
                    await projector.apply_batch(conn, events)
                await cp.advance(conn, projector.name, state.checkpoint, new)
        except cp.CheckpointMoved:
            log.info("%s: checkpoint moved by another owner or a rebuild; reloading", projector.name)
            state.drop_prefetch()
            state.checkpoint = await cp.load(self.pool, projector.name)
            return True
        state.checkpoint = new
        state.applied += len(events)
        state.last_batch_at = time.monotonic()
        self._advanced.set()
        self._advanced = asyncio.Event()
        return True

    async def _rows_after(self, state: ProjectorState, after: Checkpoint) -> list[asyncpg.Record]:
        if state.prefetch is not None and state.prefetch[0] == after:
            task = state.prefetch[1]
            state.prefetch = None
            return await task
        state.drop_prefetch()
        shared = self._reads.get(after)
        if shared is None or shared[0] < state.woken:
            read = asyncio.ensure_future(read_all_raw(self.pool, after, self.batch_size))
            shared = (next(self._ticks), read)
            self._reads[after] = shared
            read.add_done_callback(lambda _: self._forget_read(after, read))
        return await asyncio.shield(shared[1])

    def _forget_read(self, after: Checkpoint, read: asyncio.Future[list[asyncpg.Record]]) -> None:
        if after in self._reads and self._reads[after][1] is read:
            del self._reads[after]
        if not read.cancelled():
            read.exception()  # retrieved here: every projector that shared it sees it too


_LOCAL: weakref.WeakSet[Runner] = weakref.WeakSet()


def _local_owner(names: Sequence[str]) -> Runner | None:
    """A runner of this event loop that owns every named projector, if there is one."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    for runner in list(_LOCAL):
        if runner._loop is loop and all(n in runner.states and runner.states[n].owned for n in names):
            return runner
    return None


async def wait_for(
    pool: asyncpg.Pool, names: Sequence[str], position: int | Checkpoint, timeout: float = 5.0
) -> bool:
    """Read-your-writes: wait until every named projector has passed an event.

    Give the `checkpoint` of an AppendResult (no lookup), or a global position.
    """
    key = position if isinstance(position, Checkpoint) else await cp.position_key(pool, position)
    if key is None:
        raise LookupError(f"no event at position {position}")
    deadline = time.monotonic() + timeout
    local = _local_owner(names)
    while local is not None and all(local.states[n].owned for n in names):
        if all((local.states[n].checkpoint or START) >= key for n in names):
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(remaining, 0.05)):  # not wait_for: see _drive
                await local._advanced.wait()
    while True:
        rows = await pool.fetch(
            "SELECT era, tx, pos FROM projection_checkpoints WHERE name = ANY($1)", list(names)
        )
        done = [Checkpoint(r["era"], r["tx"], r["pos"]) >= key for r in rows]
        if len(done) == len(names) and all(done):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.01)
