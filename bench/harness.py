"""Shared pieces of the benchmarks: a private database, timed concurrent loops, percentiles."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from events.store.migrate import migrate

ROOT = Path(__file__).resolve().parent.parent


def server_dsn() -> str:
    from services import embedded

    return os.environ.get("DATABASE_URL") or embedded.postgres(ROOT / ".qunsheng" / "bench", "postgres")


@contextlib.asynccontextmanager
async def bench_database() -> AsyncIterator[str]:
    """A fresh, migrated database for one benchmark run, dropped afterwards."""
    base = server_dsn()
    name = f"qs_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(base)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = urlunsplit(urlsplit(base)._replace(path="/" + name))
    conn = await asyncpg.connect(dsn)
    await migrate(conn)
    await conn.close()
    try:
        yield dsn
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def rate(workers: int, seconds: float, op: Callable[[int, int], Awaitable[None]]) -> float:
    """Run `op(worker, i)` in `workers` concurrent loops for `seconds`; operations per second."""
    done = 0
    stop = time.perf_counter() + seconds

    async def loop(w: int) -> None:
        nonlocal done
        i = 0
        while time.perf_counter() < stop:
            await op(w, i)
            i += 1
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop(w) for w in range(workers)))
    return done / (time.perf_counter() - started)


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]
