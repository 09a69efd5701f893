"""Live updates: each deployment's store announces its own checkpoint moves, even when
another store sharing the Redis (a second deployment, an earlier test run) reached the
same positions a moment before."""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace

import asyncpg
import pytest
import redis.asyncio as aioredis

from services.web.live import CHANNEL, publish_moves

pytestmark = pytest.mark.integration


async def test_two_stores_sharing_a_redis_both_announce_the_same_position(
    pool: asyncpg.Pool, redis_url: str
) -> None:
    await pool.execute(
        """INSERT INTO projection_checkpoints (name, pos) VALUES ('satisfaction_by_unit', 7)
           ON CONFLICT (name) DO UPDATE SET pos = 7"""
    )
    redis = aioredis.from_url(redis_url)
    pubsub = redis.pubsub()
    await pubsub.subscribe(CHANNEL)
    try:
        res = SimpleNamespace(pool=pool, redis=redis)
        for store in (uuid.uuid4().hex, uuid.uuid4().hex):  # same positions, two stores
            await publish_moves(res, {"satisfaction_by_unit": 6}, store)
        await publish_moves(res, {"satisfaction_by_unit": 6}, store)  # the same store again: once
        heard = []
        for _ in range(20):
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.2)
            if message is not None:
                heard.append(message["data"])
            await asyncio.sleep(0)
        assert heard == [b"surveys", b"surveys"]
    finally:
        await pubsub.aclose()
        await redis.aclose()
