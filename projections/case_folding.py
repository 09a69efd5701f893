"""Shared by the case projectors: each keeps its own folded state per case and its own copy
of the declared calendar days, so it computes due times exactly as they were when each event
happened — which is what makes a rebuild equal the live tables.

The fold and due-time rules are the case slice's pure functions (services/cases/state.py,
timing.py): one definition of the lifecycle, used by commands and projections alike.
"""

from __future__ import annotations

import msgspec

from events.base import Event, RecordedEvent
from events.cases import WorkdayDeclared
from events.store.db import Db
from services.cases.calendar import WorkCalendar
from services.cases.state import CaseState, evolve

_enc = msgspec.json.Encoder()
_dec = msgspec.json.Decoder(CaseState)


def ddl(prefix: str) -> str:
    return f"""
        CREATE TABLE IF NOT EXISTS {prefix}_states (case_id text PRIMARY KEY, state jsonb NOT NULL);
        CREATE TABLE IF NOT EXISTS {prefix}_days (day date PRIMARY KEY, workday boolean NOT NULL);
    """


def case_id(event: RecordedEvent) -> str:
    return event.stream_id.removeprefix("case-")


async def fold(conn: Db, prefix: str, event: RecordedEvent) -> tuple[CaseState, CaseState]:
    """Load the case's state, apply the event, save it; return (before, after)."""
    cid = case_id(event)
    raw = await conn.fetchval(f"SELECT state::text FROM {prefix}_states WHERE case_id = $1", cid)
    before = _dec.decode(raw) if raw else CaseState()
    state = evolve(before, event.event)
    await conn.execute(
        f"""INSERT INTO {prefix}_states (case_id, state) VALUES ($1, $2::jsonb)
            ON CONFLICT (case_id) DO UPDATE SET state = EXCLUDED.state""",
        cid,
        _enc.encode(state).decode(),
    )
    return before, state


async def declare(conn: Db, prefix: str, e: Event) -> None:
    assert isinstance(e, WorkdayDeclared)
    await conn.execute(
        f"""INSERT INTO {prefix}_days VALUES ($1, $2)
            ON CONFLICT (day) DO UPDATE SET workday = EXCLUDED.workday""",
        e.day,
        e.workday,
    )


async def calendar(conn: Db, prefix: str) -> WorkCalendar:
    rows = await conn.fetch(f"SELECT day, workday FROM {prefix}_days")
    return WorkCalendar({r["day"]: r["workday"] for r in rows})
