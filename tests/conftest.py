"""Test fixtures: a private database per run on a real PostgreSQL, a real Redis.

With DATABASE_URL / REDIS_URL set (CI), those servers are used; without, embedded ones
start under .qunsheng/test. Every run creates its own database and drops it at the end,
so runs never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from events import catalogue
from events.store import EventStore
from events.store.migrate import migrate
from services import embedded

ROOT = Path(__file__).resolve().parent.parent
catalogue.load_all()
import tests.support.events  # noqa: E402,F401  (registers the test event types)


def _with_database(dsn: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def server_dsn() -> str:
    return os.environ.get("DATABASE_URL") or embedded.postgres(ROOT / ".qunsheng" / "test", "postgres")


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ.get("REDIS_URL") or embedded.redis(ROOT / ".qunsheng" / "test")


@pytest.fixture(scope="session")
async def dsn(server_dsn: str) -> AsyncIterator[str]:
    name = f"qs_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(server_dsn, name)
    conn = await asyncpg.connect(url)
    await migrate(conn)
    await conn.close()
    try:
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
async def session_pool(dsn: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=40)
    yield pool
    await pool.close()


@pytest.fixture
async def pool(session_pool: asyncpg.Pool) -> asyncpg.Pool:
    """The run's database, emptied of events, checkpoints and read models (and the
    process caches that remember them)."""
    from services.cases.handle import forget_declared_days

    forget_declared_days()
    async with session_pool.acquire() as conn:
        tables = await conn.fetch(
            """SELECT tablename FROM pg_tables WHERE schemaname = 'public'
                AND tablename NOT IN ('schema_migrations', 'store_meta')"""
        )
        if tables:
            names = ", ".join(f'"{t["tablename"]}"' for t in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        for s in await conn.fetch("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'qs_rebuild_%'"):
            await conn.execute(f'DROP SCHEMA "{s["nspname"]}" CASCADE')
    return session_pool


@pytest.fixture
async def store(pool: asyncpg.Pool) -> AsyncIterator[EventStore]:
    s = EventStore(pool)
    yield s
    await s.close()
