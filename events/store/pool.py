"""The service's connection pool: asyncpg's, without the reset query on every release.

asyncpg runs `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` each time a
connection goes back to the pool — one more round trip per query made through the pool
(measured: a tenth of a case step's time). Pooled connections here never hold session
advisory locks, cursors, LISTENs or SET values (those live on dedicated connections: the
runner's control connection, a rebuild's), so nothing needs resetting; asyncpg still rolls
back a transaction left open, which is the one thing that could leak.
"""

from __future__ import annotations

from typing import Any

import asyncpg


async def _keep(conn: asyncpg.Connection) -> None:
    return None


async def create_pool(dsn: str, **options: Any) -> asyncpg.Pool:
    return await asyncpg.create_pool(dsn, reset=_keep, **options)
