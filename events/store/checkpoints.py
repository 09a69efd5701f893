"""Projector checkpoints: read, and compare-and-set in the transaction that wrote the rows."""

from __future__ import annotations

from events.base import START, Checkpoint
from events.store.db import Db, Queryable


class CheckpointMoved(Exception):
    """Another owner (or a rebuild) moved the checkpoint: this batch must be rolled back."""


async def load(conn: Queryable, name: str) -> Checkpoint:
    row = await conn.fetchrow("SELECT era, tx, pos FROM projection_checkpoints WHERE name = $1", name)
    return START if row is None else Checkpoint(row["era"], row["tx"], row["pos"])


async def ensure(conn: Queryable, name: str, version: int = 1) -> int:
    """Make sure the projector has a checkpoint row; return the version that built its tables
    (a new row takes `version`: nothing was built by an older one)."""
    await conn.execute(
        "INSERT INTO projection_checkpoints (name, version) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        name,
        version,
    )
    return int(await conn.fetchval("SELECT version FROM projection_checkpoints WHERE name = $1", name))


async def set_version(conn: Queryable, name: str, version: int) -> None:
    await conn.execute("UPDATE projection_checkpoints SET version = $2 WHERE name = $1", name, version)


async def advance(conn: Db, name: str, expected: Checkpoint, new: Checkpoint) -> None:
    """Move the checkpoint from `expected` to `new`, or raise CheckpointMoved.

    Run inside the transaction that applied the batch: the row lock taken here makes a
    second owner wait, and its own compare then fails, so a batch is applied exactly once.
    """
    status = await conn.execute(
        """UPDATE projection_checkpoints SET era = $5, tx = $6, pos = $7, updated_at = now()
            WHERE name = $1 AND (era, tx, pos) = ($2, $3, $4)""",
        name,
        expected.era,
        expected.tx,
        expected.pos,
        new.era,
        new.tx,
        new.pos,
    )
    if status != "UPDATE 1":
        raise CheckpointMoved(name)


async def store(conn: Db, name: str, value: Checkpoint) -> None:
    """Set the checkpoint unconditionally (used by a rebuild's swap, under the row lock)."""
    await conn.execute(
        """INSERT INTO projection_checkpoints (name, era, tx, pos) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO UPDATE SET era = $2, tx = $3, pos = $4, updated_at = now()""",
        name,
        value.era,
        value.tx,
        value.pos,
    )


async def position_key(conn: Queryable, position: int) -> Checkpoint | None:
    """The order key of the event at a global position (for read-your-writes waits)."""
    row = await conn.fetchrow(
        "SELECT era, transaction_id::text::bigint AS tx FROM events WHERE position = $1", position
    )
    return None if row is None else Checkpoint(row["era"], row["tx"], position)
