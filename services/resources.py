"""Open and close what a process shares: the pool, Redis, the store, the projection runner."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import redis.asyncio as aioredis

from events import catalogue
from events.store import EventStore
from events.store.migrate import migrate
from events.store.pool import create_pool
from projections.catalogue import all_projectors
from projections.runner import Runner
from services import embedded
from services.cases.recent import HeldCallers, RecentCases
from services.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Resources:
    dsn: str
    pool: asyncpg.Pool
    redis: aioredis.Redis
    store: EventStore
    settings: Settings | None = None
    runner: Runner | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    recent_cases: RecentCases = field(default_factory=RecentCases)  # read from, checked each step
    held_callers: HeldCallers = field(default_factory=HeldCallers)  # checked by each step's append


def resolve_urls(settings: Settings) -> tuple[str, str]:
    data_dir = Path(settings.data_dir).resolve()
    dsn = settings.database_url or embedded.postgres(data_dir)
    redis_url = settings.redis_url or embedded.redis(data_dir)
    return dsn, redis_url


async def open_resources(settings: Settings, dsn: str, redis_url: str) -> Resources:
    catalogue.load_all()
    conn = await asyncpg.connect(dsn)
    try:
        applied = await migrate(conn)
    finally:
        await conn.close()
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))
    pool = await create_pool(
        dsn,
        min_size=settings.pool_min,
        max_size=settings.pool_max,
        server_settings={"idle_in_transaction_session_timeout": "60000"},
    )
    client = aioredis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
    res = Resources(dsn=dsn, pool=pool, redis=client, store=EventStore(pool), settings=settings)
    if settings.run_projectors:
        res.runner = Runner(dsn, pool, all_projectors(), poll_seconds=settings.poll_seconds)
        res.store.local_listeners.append(res.runner.wake)
        res.tasks.append(asyncio.create_task(res.runner.run(), name="projection-runner"))
    if settings.demo_on_first_start:  # after the runner: the demo's surveys wait for projections
        await demo_on_first_start(res, settings)
    return res


async def demo_on_first_start(res: Resources, settings: Settings) -> bool:
    """Load the demo into an empty store (`make run` asks for this). Returns True if it did.

    The advisory lock keeps several workers starting at once from loading it twice.
    """
    from services.demo.load import describe, load_demo

    async with res.pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(7, 0)")
        try:
            if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM events)"):
                return False
            result = await load_demo(res.store, datetime.now(UTC), settings)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(7, 0)")
    print(describe(result), flush=True)  # the operator needs these on the console, once
    return True


async def close_resources(res: Resources) -> None:
    for task in res.tasks:
        task.cancel()
    for task in res.tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    await res.store.close()
    with contextlib.suppress(Exception):
        await res.redis.aclose()
    await res.pool.close()
