"""case_notifications: what needs a handler's or a leader's attention — a case assigned to
their unit, a clock coming due or passed, an escalation, a requester's reply.

Read in the app (services/cases/notifications.py) and delivered to webhooks from the same
rows (services/cases/webhooks.py). Texts carry only a short excerpt of a requester's words
and never a receipt code (there is none in any event to carry).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from events import cases as ev
from events.base import RecordedEvent
from events.store.db import Db
from projections import case_folding as folding
from projections.projector import Projector

NAME = "case_notifications"
EXCERPT = 30  # characters of a requester's words that may leave in a notification


def what(e: object) -> tuple[str, str] | None:
    """(kind, audience) of the notification an event gives, if any."""
    match e:
        case ev.CaseSubmitted():
            return "submitted", "handler"
        case ev.CaseAssigned():
            return "assigned", "handler"
        case ev.CaseDueSoon():
            return "due_soon", "handler"
        case ev.CaseBreached():
            return "overdue", "leader"
        case ev.CaseEscalated():
            return "escalated", "leader"
        case ev.ExtensionRequested():
            return "extension_requested", "leader"
        case ev.MessagePosted(from_requester=True):
            return "requester_replied", "handler"
    return None


class CaseNotifications(Projector):
    name: ClassVar[str] = NAME
    handles = ev.LIFECYCLE  # states are folded from every step; only some notify
    tables = (NAME, f"{NAME}_states", f"{NAME}_days")
    ddl = (
        folding.ddl(NAME)
        + f"""
        CREATE TABLE IF NOT EXISTS {NAME} (
            event_id   uuid PRIMARY KEY,
            case_id    text NOT NULL,
            unit_id    text NOT NULL,       -- who must act: the lead unit, else where raised
            audience   text NOT NULL,       -- handler / leader
            kind       text NOT NULL,
            excerpt    text NOT NULL,
            at         timestamptz NOT NULL
        );
        CREATE INDEX IF NOT EXISTS {NAME}_unit ON {NAME} (unit_id, at DESC);
    """
    )

    async def apply_batch(self, conn: Db, events: Sequence[RecordedEvent]) -> None:
        rows = []
        for step in await folding.fold_batch(conn, NAME, events):
            found = what(step.event.event)
            if found is None:
                continue
            e, state = step.event.event, step.after
            kind, audience = found
            unit = e.unit_id if isinstance(e, ev.CaseAssigned) else (state.lead_unit or state.unit_id)
            text = getattr(e, "text", "") if kind in ("submitted", "requester_replied") else ""
            excerpt = text[:EXCERPT] + ("…" if len(text) > EXCERPT else "")
            rows.append((step.event.event_id, step.case_id, unit, audience, kind, excerpt, e.at))  # type: ignore[attr-defined]
        if rows:
            await conn.executemany(
                f"INSERT INTO {NAME} VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING", rows
            )
