"""Fixtures of the operations tests: the API fixtures for in-process checks, a tracker that
kills every process a test started, and a database of its own for multi-process tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from events.store.migrate import migrate
from tests.api.conftest import app, client, clock, settings
from tests.conftest import _with_database
from tests.support.ops_procs import Procs

__all__ = ["app", "client", "clock", "settings"]


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Procs]:
    tracker = Procs(tmp_path)
    try:
        yield tracker
    finally:
        tracker.kill_all()


async def fresh_database(server: str) -> tuple[str, str]:
    name = f"qs_ops_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = _with_database(server, name)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return name, url


async def drop_database(server: str, name: str) -> None:
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def ops_dsn(server_dsn: str) -> AsyncIterator[str]:
    """A database of the test's own: its processes never see another test's rows."""
    name, url = await fresh_database(server_dsn)
    try:
        yield url
    finally:
        await drop_database(server_dsn, name)
