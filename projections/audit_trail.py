"""audit_trail: every staff action (an event whose metadata names an actor), by unit.

Each row keeps the unit the action concerns: the event's own `unit_id`, or for an event
without one (disabling an account, a step on a case) the unit its stream belongs to.
Anonymous events (no actor) are never listed.
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
AUDITED_FAMILIES = ("events.units", "events.accounts", "events.cases")
# Families whose event bodies the audit shows. A case's texts are for its handlers and
# leaders, not for every admin: for those only who did what, when and where is kept.
DETAILED_FAMILIES = frozenset({"events.units", "events.accounts"})


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
    tables: ClassVar[tuple[str, ...]] = ("audit_trail", "audit_trail_streams")
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
        -- The unit a stream belongs to: the first unit_id any of its events named (a unit
        -- itself, an account's home unit, the unit a case was raised in).
        CREATE TABLE IF NOT EXISTS audit_trail_streams (
            stream_id  text PRIMARY KEY,
            unit_id    text NOT NULL
        );
    """

    async def apply(self, conn: Db, event: RecordedEvent) -> None:
        unit_id = getattr(event.event, "unit_id", None)
        if isinstance(unit_id, str):
            await conn.execute(
                "INSERT INTO audit_trail_streams VALUES ($1, $2) ON CONFLICT DO NOTHING",
                event.stream_id,
                unit_id,
            )
        if event.metadata.actor is None:  # not a staff action (an anonymous requester)
            return
        if not isinstance(unit_id, str):
            unit_id = await conn.fetchval(
                "SELECT unit_id FROM audit_trail_streams WHERE stream_id = $1", event.stream_id
            )
        detailed = type(event.event).__module__ in DETAILED_FAMILIES
        await conn.execute(
            "INSERT INTO audit_trail VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)"
            " ON CONFLICT (position) DO NOTHING",
            event.position,
            event.recorded_at,
            event.metadata.actor,
            event.type,
            event.stream_id,
            unit_id,
            msgspec.json.encode(event.event).decode() if detailed else "{}",
        )
