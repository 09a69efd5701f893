"""Carry out a unit command: read the streams, decide, append. The slice's only I/O.

Why a tree lock: whether a move is allowed depends on other streams (the new parent's
ancestors), and two moves at once (A under B, B under A) could each pass their check and
make a cycle. Every unit command takes one transaction-scoped advisory lock, reads the
streams it needs and appends before releasing it. Unit changes are rare admin actions, so
serialising them costs nothing that matters.
"""

from __future__ import annotations

import uuid

from events.base import pending
from events.store import EventStore
from events.store.append import append
from events.store.db import Db
from events.store.expected import ExpectedVersion
from events.store.read_stream import read_stream
from events.units import stream
from services.commanding import Outcome, replayed, retry_order_conflicts
from services.units.commands import CreateUnit, MoveUnit, UnitCommand
from services.units.decider import TreeState, UnitState, decide, fold

TREE_LOCK = "SELECT pg_advisory_xact_lock(6, 0)"
MAX_DEPTH = 64  # far deeper than any real organisation; stops a walk over corrupt data


async def handle(
    store: EventStore,
    command: UnitCommand,
    *,
    command_id: uuid.UUID,
    actor: str | None,
    expected: ExpectedVersion | None = None,
) -> Outcome:
    async def attempt() -> Outcome:
        return await _handle(store, command, command_id, actor, expected)

    return await retry_order_conflicts(attempt)


async def _handle(
    store: EventStore,
    command: UnitCommand,
    command_id: uuid.UUID,
    actor: str | None,
    expected: ExpectedVersion | None,
) -> Outcome:
    async with store.unit_of_work() as conn:
        await conn.execute(TREE_LOCK)
        done = await replayed(conn, command_id)
        if done is not None:
            return done
        unit, version = await load(conn, command.unit_id)
        parent, path = await _target(conn, command)
        events = decide(command, TreeState(unit=unit, parent=parent, parent_path=path))
        if not events:
            return Outcome(None, version)
        result = await append(
            conn,
            stream(command.unit_id),
            pending(events, command_id=command_id, actor=actor),
            version if expected is None else expected,
        )
        return Outcome(result.positions[-1], result.last_version)


async def load(conn: Db, unit_id: str) -> tuple[UnitState, int]:
    recorded = await read_stream(conn, stream(unit_id))
    version = recorded[-1].stream_version if recorded else 0
    return fold([r.event for r in recorded]), version


async def _target(conn: Db, command: UnitCommand) -> tuple[UnitState | None, tuple[str, ...]]:
    """The parent a create or move aims at, and the unit ids from the root down to it."""
    if not isinstance(command, CreateUnit | MoveUnit) or command.parent_id is None:
        return None, ()
    parent, _ = await load(conn, command.parent_id)
    path: list[str] = []
    node, at = parent, command.parent_id
    while node.exists and len(path) < MAX_DEPTH:
        path.append(at)
        if node.parent_id is None:
            break
        at = node.parent_id
        node, _ = await load(conn, at)
    return parent, tuple(reversed(path))
