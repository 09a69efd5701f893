"""Carry out a case command: read the stream, fold, compute due times, decide, append.

The only I/O of a case command. The expected version is the client's If-Match when it sent
one (409 if the case moved meanwhile), else the version just read — so two handlers acting
at once never both win: the second gets 409 and, retrying with the same Idempotency-Key,
the first one's result.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from events.base import pending
from events.cases import CaseSubmitted, WorkdayDeclared
from events.store import EventStore
from events.store.db import Queryable
from events.store.read_stream import read_stream
from services.cases.calendar import WorkCalendar
from services.cases.commands import AnyCommand
from services.cases.decider import Context, decide
from services.cases.policy import DEFAULT_POLICY, Policy
from services.cases.state import CaseState, fold
from services.cases.timing import dues
from services.commanding import Outcome, replayed

CALENDAR_STREAM = "calendar"


def stream(case_id: str) -> str:
    return f"case-{case_id}"


async def declared_days(db: Queryable) -> dict[date, bool]:
    return {
        e.event.day: e.event.workday
        for e in await read_stream(db, CALENDAR_STREAM)
        if isinstance(e.event, WorkdayDeclared)
    }


async def sealed_contact(db: Queryable, case_id: str) -> str | None:
    """The sealed contact details from the case's first event (None when anonymous)."""
    first = await read_stream(db, stream(case_id), 0)
    return first[0].event.contact_sealed if first and isinstance(first[0].event, CaseSubmitted) else None


async def load(db: Queryable, case_id: str) -> tuple[CaseState, int]:
    events = await read_stream(db, stream(case_id))
    return fold([e.event for e in events]), (events[-1].stream_version if events else 0)


async def handle(
    store: EventStore,
    case_id: str,
    command: AnyCommand,
    *,
    command_id: uuid.UUID,
    actor: str | None,
    now: datetime,
    expected: int | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> Outcome:
    done = await replayed(store.pool, command_id)
    if done is not None:
        return done
    state, version = await load(store.pool, case_id)
    calendar = WorkCalendar(await declared_days(store.pool))
    ctx = Context(now=now, dues=dues(state, calendar, policy), policy=policy)
    events = decide(command, state, ctx)
    if not events:
        return Outcome(None, version)
    result = await store.append(
        stream(case_id),
        pending(events, command_id=command_id, actor=actor),
        version if expected is None else expected,
    )
    return Outcome(result.positions[-1], result.last_version)
