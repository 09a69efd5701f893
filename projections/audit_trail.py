"""audit_trail: every staff action (an event whose metadata names an actor), by unit.

Each row keeps the unit the action concerns: the event's own `unit_id`, or for an event
without one (disabling an account, setting a password) the unit of the first row of the
same stream (an account's home unit). Anonymous events (no actor) are never recorded here.
"""

from __future__ import annotations

import importlib
import inspect
from typing import ClassVar

import msgspec

from events.base import Event, RecordedEvent
from events.store.db import Db
from projections.projector import Projector

# Families whose events staff cause; a new staff-facing family adds its module here.
AUDITED_FAMILIES = ("events.units", "events.accounts")


def _family_events(modules: tuple[str, ...]) -> frozenset[type[Event]]:
    found: set[type[Event]] = set()
    for name in modules:
        module = importlib.import_module(name)
        found.update(
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, Event) and obj is not Event and obj.__module__ == name
        )
    return frozenset(found)


class AuditTrail(Projector):
    name: ClassVar[str] = "audit_trail"
    handles: ClassVar[frozenset[type[Event]]] = _family_events(AUDITED_FAMILIES)
    tables: ClassVar[tuple[str, ...]] = ("audit_trail",)
    ddl: ClassVar[str] = """
        CREATE TABLE IF NOT EXISTS audit_trail (
            position     bigint PRIMARY KEY,
            recorded_at  timestamptz NOT NULL,
            actor        text NOT NULL,
            type         text NOT NULL,
            stream_id    text NOT NULL,
            unit_id      text,
            data         jsonb NOT NULL
        );
        CREATE INDEX IF NOT EXISTS audit_trail_unit ON audit_trail (unit_id, position);
        CREATE INDEX IF NOT EXISTS audit_trail_stream ON audit_trail (stream_id, position);
    """

    async def apply(self, conn: Db, event: RecordedEvent) -> None:
        if event.metadata.actor is None:
            return
        unit_id = getattr(event.event, "unit_id", None)
        if unit_id is None:
            unit_id = await conn.fetchval(
                "SELECT unit_id FROM audit_trail WHERE stream_id = $1 ORDER BY position LIMIT 1",
                event.stream_id,
            )
        await conn.execute(
            "INSERT INTO audit_trail VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)"
            " ON CONFLICT (position) DO NOTHING",
            event.position,
            event.recorded_at,
            event.metadata.actor,
            event.type,
            event.stream_id,
            unit_id,
            msgspec.json.encode(event.event).decode(),
        )
