"""case_timeline: what happened to a case, step by step, with who may see each step.

Public steps are what the requester sees (with the unit's name, never a handler's);
internal ones only staff; a personal note only its author."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import msgspec

from events import cases as ev
from events.base import Event, RecordedEvent
from events.store.db import Db
from projections.projector import Projector

NAME = "case_timeline"
INTERNAL = (ev.CaseReturned, ev.ExtensionRequested, ev.CaseEscalated, ev.CaseDueSoon, ev.CaseBreached)
_enc = msgspec.json.Encoder()


def visibility(e: Event) -> str:
    """public (the requester sees it), internal (staff), or note (its author only)."""
    if isinstance(e, ev.MessagePosted):
        return e.visibility
    return "internal" if isinstance(e, INTERNAL) else "public"


class CaseTimeline(Projector):
    name: ClassVar[str] = NAME
    handles = ev.LIFECYCLE
    tables = (NAME,)
    ddl = f"""
        CREATE TABLE IF NOT EXISTS {NAME} (
            case_id     text NOT NULL,
            version     bigint NOT NULL,
            at          timestamptz NOT NULL,
            type        text NOT NULL,
            visibility  text NOT NULL,      -- public / internal / note
            actor       text,               -- staff account; never shown to the requester
            body        jsonb NOT NULL,     -- the event's facts (contact details stay sealed)
            PRIMARY KEY (case_id, version)
        );
    """

    async def apply(self, conn: Db, event: RecordedEvent) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Db, events: Sequence[RecordedEvent]) -> None:
        """Every step of the batch in one statement."""
        rows = [
            (
                r.stream_id.removeprefix("case-"),
                r.stream_version,
                r.event.at,  # type: ignore[attr-defined]
                r.type,
                visibility(r.event),
                r.metadata.actor,
                _enc.encode(r.event).decode(),
            )
            for r in events
        ]
        if not rows:
            return
        await conn.execute(
            f"""INSERT INTO {NAME}
                SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::text[],
                                     $5::text[], $6::text[], $7::text[]::jsonb[])
                ON CONFLICT DO NOTHING""",
            *(list(col) for col in zip(*rows, strict=True)),
        )
