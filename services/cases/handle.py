"""Carry out a case command: read the stream, fold, compute due times, decide, append.

The only I/O of a case command. The expected version is the client's If-Match when it sent
one (409 if the case moved meanwhile), else the version just read — so two handlers acting
at once never both win: the second gets 409 and, retrying with the same Idempotency-Key,
the first one's result.
"""

from __future__ import annotations

import time
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


# Declared days change a few times a year but are read by every case step: kept for a
# second per process (and dropped at once when this process declares one).
_days: tuple[float, dict[date, bool]] | None = None
DAYS_TTL = 1.0


async def declared_days(db: Queryable) -> dict[date, bool]:
    global _days
    if _days is not None and time.monotonic() - _days[0] < DAYS_TTL:
        return _days[1]
    days = {
        e.event.day: e.event.workday
        for e in await read_stream(db, CALENDAR_STREAM)
        if isinstance(e.event, WorkdayDeclared)
    }
    _days = (time.monotonic(), days)
    return days


def forget_declared_days() -> None:
    global _days
    _days = None


async def load_with_contact(db: Queryable, case_id: str) -> tuple[CaseState, int, str | None]:
    """State, version and the sealed contact details (None when anonymous), in one read."""
    events = await read_stream(db, stream(case_id))
    first = events[0].event if events else None
    sealed = first.contact_sealed if isinstance(first, CaseSubmitted) else None
    return fold([e.event for e in events]), (events[-1].stream_version if events else 0), sealed


async def load(db: Queryable, case_id: str) -> tuple[CaseState, int]:
    state, version, _ = await load_with_contact(db, case_id)
    return state, version


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
    fresh_id: bool = False,
) -> Outcome:
    """`fresh_id`: the command id was just generated here, so it cannot be a retry."""
    done = None if fresh_id else await replayed(store.pool, command_id)
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
    return Outcome(result.positions[-1], result.last_version, result.checkpoint)
