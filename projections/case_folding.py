"""Shared by the case projectors: each keeps its own folded state per case and its own copy
of the declared calendar days, so it computes due times exactly as they were when each event
happened — which is what makes a rebuild equal the live tables.

The fold and due-time rules are the case slice's pure functions (services/cases/state.py,
timing.py): one definition of the lifecycle, used by commands and projections alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

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


class Step(NamedTuple):
    """One case event of a batch, with the case's state around it and the calendar then."""

    event: RecordedEvent
    case_id: str
    before: CaseState
    after: CaseState
    calendar: WorkCalendar


async def fold_batch(conn: Db, prefix: str, events: Sequence[RecordedEvent]) -> list[Step]:
    """Fold a whole batch: one read of the states it touches, one write of their final states.

    Declared days are applied in order and each step carries the calendar as it stood at
    that event, so the results do not depend on where batches happen to be cut (a rebuild
    cuts them differently from the live runner).
    """
    ids = list({case_id(e) for e in events if not isinstance(e.event, WorkdayDeclared)})
    rows = await conn.fetch(
        f"SELECT case_id, state::text AS s FROM {prefix}_states WHERE case_id = ANY($1)", ids
    )
    states = {r["case_id"]: _dec.decode(r["s"]) for r in rows}
    cal = await calendar(conn, prefix)
    steps = []
    for e in events:
        if isinstance(e.event, WorkdayDeclared):
            await declare(conn, prefix, e.event)
            cal = await calendar(conn, prefix)
            continue
        cid = case_id(e)
        before = states.get(cid, CaseState())
        states[cid] = evolve(before, e.event)
        steps.append(Step(e, cid, before, states[cid], cal))
    if ids:
        await conn.execute(
            f"""INSERT INTO {prefix}_states (case_id, state)
                SELECT * FROM unnest($1::text[], $2::jsonb[])
                ON CONFLICT (case_id) DO UPDATE SET state = EXCLUDED.state""",
            ids,
            [_enc.encode(states[i]).decode() for i in ids],
        )
    return steps


def last_steps(steps: Sequence[Step]) -> dict[str, Step]:
    """The last step of each case in the batch (its final state and calendar)."""
    return {s.case_id: s for s in steps}


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
