"""Live updates for dashboards: Redis pub/sub → server-sent events.

A watcher in every web process looks at two projections' checkpoints once a second:
satisfaction_by_unit moves when a batch of survey answers is released, resolution_rates
when a case changes. On a move it publishes one message on the channel `qs:live` (a Redis
SET NX per checkpoint makes several processes publish it once). Each open dashboard holds
an event stream subscribed to the channel and reloads its figures when told.

Messages say only *what kind* of figure moved, never which unit or case. When Redis is
down the stream ends, the page says live updates are off, and a reload still shows
everything (figures are read from PostgreSQL, never from Redis).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from redis.exceptions import RedisError

from services.access.keys import service_secret

log = logging.getLogger(__name__)
CHANNEL = "qs:live"
WATCHED = {"satisfaction_by_unit": "surveys", "resolution_rates": "cases"}
EVERY_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0


async def positions(pool: Any) -> dict[str, int]:
    rows = await pool.fetch(
        "SELECT name, pos FROM projection_checkpoints WHERE name = ANY($1)", list(WATCHED)
    )
    return {r["name"]: int(r["pos"] or 0) for r in rows}


async def publish_moves(res: Any, seen: dict[str, int], store: str) -> None:
    """`store` names this deployment's store in the SET NX keys: checkpoint positions repeat
    in another store sharing the Redis (a second deployment, a test run, a restore), and a
    key left by it would silence this one's update for a minute."""
    now = await positions(res.pool)
    for name, pos in now.items():
        if seen.get(name, pos) != pos:
            with contextlib.suppress(RedisError, OSError, TimeoutError):
                if await res.redis.set(f"qs:live:{store}:{name}:{pos}", 1, nx=True, ex=60):
                    await res.redis.publish(CHANNEL, WATCHED[name])
    seen.update(now)


async def store_name(state: Any) -> str:
    """A name for this deployment's store that says nothing: a hash of its service secret."""
    return hashlib.sha256(b"live|" + await service_secret(state)).hexdigest()[:16]


async def _watch(app: Any) -> None:
    seen: dict[str, int] = {}
    store: str | None = None
    while True:
        try:
            store = store or await store_name(app.state)
            await publish_moves(app.state.resources, seen, store)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a missed beat only delays a refresh
            log.debug("live watcher: %s", type(exc).__name__)
        await asyncio.sleep(EVERY_SECONDS)


@contextlib.asynccontextmanager
async def live_lifespan(app: Any) -> AsyncIterator[None]:
    task = asyncio.create_task(_watch(app), name="live-updates")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def stream(redis: Any, once: bool = False) -> AsyncIterator[str]:
    """Server-sent events: "surveys" or "cases" when such figures moved; pings between.
    `once`: subscribe, say "ready" and end (a probe for monitors and tests)."""
    pubsub = redis.pubsub()
    try:
        await pubsub.subscribe(CHANNEL)
        yield "ready"
        if once:
            return
        quiet = 0.0
        while True:
            # Short waits: the shared client's socket timeout is one second.
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
            if message is None:
                quiet += 0.5
                if quiet >= HEARTBEAT_SECONDS:
                    quiet = 0.0
                    yield "ping"
                continue
            quiet = 0.0
            data = message.get("data")
            yield data.decode() if isinstance(data, bytes) else str(data)
    finally:
        with contextlib.suppress(Exception):
            await pubsub.aclose()
