"""Migrations: applied once, safe from many processes at once, edits refused."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from events.store import migrate as m

pytestmark = pytest.mark.integration


async def test_migrate_applies_everything_once_even_when_run_concurrently(server_dsn: str) -> None:
    from tests.conftest import _with_database

    name = f"qs_migrate_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(server_dsn, name)
    try:
        conns = [await asyncpg.connect(url) for _ in range(4)]
        results = await asyncio.gather(*(m.migrate(c) for c in conns))
        applied = [name for r in results for name in r]
        assert sorted(applied) == sorted(name for name, _ in m.available())
        assert await m.pending(conns[0]) == []
        await conns[0].execute("UPDATE schema_migrations SET checksum = 'edited' WHERE name = $1", applied[0])
        with pytest.raises(m.MigrationChanged):
            await m.migrate(conns[0])
        for c in conns:
            await c.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
