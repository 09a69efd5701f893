"""HTTP fixtures: the real app factory on the run's database, a fixed clock, sequential ids."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from services.app import create_app
from services.settings import Settings
from tests.support.fakes import FixedClock, SequentialIds


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def settings(dsn: str, redis_url: str) -> Settings:
    return Settings(
        run_scheduler=False,  # tests tick the case scheduler themselves, with the fixed clock
        database_url=dsn,
        redis_url=redis_url,
        poll_seconds=0.05,
        max_body_bytes=64 * 1024,
        secret_key="test-secret-key-not-for-production",
    )


@pytest.fixture
def app(settings: Settings, clock: FixedClock, pool: asyncpg.Pool) -> Litestar:
    # `pool` empties the database first; the app opens its own pool on the same database.
    return create_app(settings, clock=clock, ids=SequentialIds())


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as c:
        yield c
