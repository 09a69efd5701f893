"""Start and stop an in-process Runner for a test."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

import asyncpg

from projections.projector import Projector
from projections.runner import Runner


@contextlib.asynccontextmanager
async def running(
    dsn: str, pool: asyncpg.Pool, projectors: Sequence[Projector], **options: float
) -> AsyncIterator[Runner]:
    options.setdefault("poll_seconds", 0.2)
    options.setdefault("lease_seconds", 0.2)
    runner = Runner(dsn, pool, projectors, **options)  # type: ignore[arg-type]
    task = asyncio.create_task(runner.run())
    try:
        yield runner
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def until(predicate: object, timeout: float = 10.0, every: float = 0.02) -> None:
    """Wait until an async predicate holds; fail the test with a clear message otherwise."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(every)
