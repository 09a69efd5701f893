"""Numbered SQL migrations, applied once each under an advisory lock, plus the era guard.

Each package that owns tables keeps `sql/NNNN_name.sql`; a migration is known by
`package:NNNN_name` and recorded with its checksum, so an edited applied file is refused.
"""

from __future__ import annotations

import hashlib
from importlib import resources

import asyncpg

from events.store.db import Db, Queryable

MIGRATION_PACKAGES = ("events.store", "services")
_LOCK = (4, 0)


class MigrationChanged(RuntimeError):
    pass


def available(packages: tuple[str, ...] = MIGRATION_PACKAGES) -> list[tuple[str, str]]:
    found = []
    for pkg in packages:
        folder = resources.files(pkg) / "sql"
        if not folder.is_dir():
            continue
        for f in sorted(folder.iterdir(), key=lambda p: p.name):
            if f.name.endswith(".sql"):
                found.append((f"{pkg}:{f.name[:-4]}", f.read_text(encoding="utf-8")))
    return found


async def pending(conn: Queryable) -> list[str]:
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    applied = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")} if exists else set()
    return [name for name, _ in available() if name not in applied]


async def migrate(conn: Db) -> list[str]:
    """Apply what is missing; return the names applied. Safe to run from many processes."""
    await conn.execute("SELECT pg_advisory_lock($1, $2)", *_LOCK)
    try:
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   name text PRIMARY KEY, checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        applied = {
            r["name"]: r["checksum"] for r in await conn.fetch("SELECT name, checksum FROM schema_migrations")
        }
        done = []
        for name, sql in available():
            checksum = hashlib.sha256(sql.encode()).hexdigest()
            if name in applied:
                if applied[name] != checksum:
                    raise MigrationChanged(f"{name} was edited after it was applied")
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)",
                    name,
                    checksum,
                )
            done.append(name)
        await guard_era(conn)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1, $2)", *_LOCK)


async def cluster_identity(conn: Db) -> str | None:
    try:
        return str(await conn.fetchval("SELECT system_identifier FROM pg_control_system()"))
    except asyncpg.InsufficientPrivilegeError:
        return None  # then only the transaction-id check below guards the order


async def guard_era(conn: Db) -> bool:
    """Open a new era when the store is found in another cluster. Returns True if it did.

    Two signs: the cluster's system identifier differs from the one recorded, or stored
    transaction ids are not below this cluster's counter (exactly the situation that would
    make new events sort before old ones). The exclusive lock waits for every append in
    flight, so no append of the old era commits after the new era is visible.
    """
    identity = await cluster_identity(conn)
    async with conn.transaction():
        await conn.execute("LOCK TABLE events IN SHARE MODE")
        meta = await conn.fetchrow("SELECT era, system_identifier FROM store_meta FOR UPDATE")
        assert meta is not None, "store_meta has its one row from the first migration"
        ahead = await conn.fetchval(
            "SELECT max(transaction_id) >= pg_current_xact_id() FROM events WHERE era = $1",
            meta["era"],
        )
        recorded = meta["system_identifier"]
        moved = identity is not None and recorded is not None and identity != recorded
        if ahead or moved:
            await conn.execute("UPDATE store_meta SET era = era + 1, system_identifier = $1", identity)
            return True
        if recorded is None and identity is not None:
            await conn.execute("UPDATE store_meta SET system_identifier = $1", identity)
        return False
