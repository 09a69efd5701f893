"""Failed sign-in limits per account and per client, over a sliding minute.

Redis keeps a sorted set of failure times per key; when Redis is down the same counts go to
PostgreSQL (`signin_failures`), so the limit never silently disappears. Keys are HMACs
(see keys.py). Times come from the application clock, so tests can move time.
"""

from __future__ import annotations

import contextlib
import logging
import math
import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
WINDOW = 60.0
LIMITS = {  # failures per WINDOW, by key kind
    "login": 5,
    "client": 20,
    "receipt": 10,  # wrong receipt codes from one client
    "receipts": 1000,  # wrong receipt codes from everyone together
}
REDIS_DOWN = (RedisError, OSError, TimeoutError)


def _limit(key: str) -> int:
    return LIMITS[key.split(":", 1)[0]]


async def blocked_for(res: Any, keys: list[str], now: datetime) -> int:
    """Seconds until a new attempt is allowed (0 = allowed now)."""
    wait = 0.0
    for key in keys:
        times = await _recent(res, key, now)
        if len(times) >= _limit(key):
            oldest = sorted(times)[len(times) - _limit(key)]
            wait = max(wait, oldest + WINDOW - now.timestamp())
    return max(1, math.ceil(wait)) if wait > 0 else 0


async def record_failure(res: Any, keys: list[str], now: datetime) -> None:
    try:
        async with res.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.zadd("qs:signin:" + key, {uuid.uuid4().hex: now.timestamp()})
                pipe.expire("qs:signin:" + key, int(WINDOW) * 2)
            await pipe.execute()
    except REDIS_DOWN:
        log.warning("redis unavailable: counting failed sign-ins in PostgreSQL")
        await res.pool.executemany(
            "INSERT INTO signin_failures (key, at) VALUES ($1, $2)", [(k, now) for k in keys]
        )


async def forget(res: Any, key: str) -> None:
    """After a successful sign-in the account's own failures no longer count."""
    with contextlib.suppress(*REDIS_DOWN):
        await res.redis.delete("qs:signin:" + key)
    await res.pool.execute("DELETE FROM signin_failures WHERE key = $1", key)


async def _recent(res: Any, key: str, now: datetime) -> list[float]:
    """Failures within the window, from Redis and from PostgreSQL both: failures counted
    while Redis was down still count after it comes back (the table is usually empty)."""
    since = now.timestamp() - WINDOW
    stored = await _recent_pg(res.pool, key, now)
    try:
        name = "qs:signin:" + key
        await res.redis.zremrangebyscore(name, "-inf", since)
        scores = await res.redis.zrange(name, 0, -1, withscores=True)
    except REDIS_DOWN:
        return stored
    return stored + [score for _, score in scores]


async def _recent_pg(pool: asyncpg.Pool, key: str, now: datetime) -> list[float]:
    cutoff = now - timedelta(seconds=WINDOW)
    # Every key's old rows, not only this one's: the table only fills while Redis is down.
    await pool.execute("DELETE FROM signin_failures WHERE at <= $1", cutoff)
    rows = await pool.fetch("SELECT at FROM signin_failures WHERE key = $1 AND at > $2", key, cutoff)
    return [r["at"].timestamp() for r in rows]
