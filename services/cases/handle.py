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
from typing import NamedTuple

import asyncpg

from events.base import Event, RecordedEvent, pending
from events.cases import CaseSubmitted, WorkdayDeclared
from events.store import Condition, EventStore
from events.store.db import Queryable
from events.store.errors import WrongExpectedVersion
from events.store.read_stream import read_stream
from services.cases.calendar import WorkCalendar
from services.cases.commands import AnyCommand
from services.cases.decider import Context, decide
from services.cases.policy import DEFAULT_POLICY, Policy
from services.cases.state import CaseState, evolve, fold
from services.cases.timeline import Entry, appended, recorded
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


class Loaded(NamedTuple):
    """A case as one read of its stream gives it: what commands and views need."""

    state: CaseState
    version: int
    sealed: str | None  # the sealed contact details, None when anonymous
    entries: list[Entry]  # the stream, for the timeline
    last: uuid.UUID | None = None  # the last event's id: names it across restores too

    def then(self, events: list[Event], actor: str | None, last: uuid.UUID | None) -> Loaded:
        """The case after a command appended `events` to it (the last with id `last`),
        without reading it again."""
        if not events:
            return self
        state = self.state
        for e in events:
            state = evolve(state, e)
        added = appended(self.version, events, actor)
        return Loaded(state, self.version + len(events), self.sealed, self.entries + added, last)

    def extended(self, events: list[RecordedEvent]) -> Loaded:
        """The case after the events read since its version, in version order."""
        if not events:
            return self
        state = self.state
        for r in events:
            state = evolve(state, r.event)
        last = events[-1]
        return Loaded(
            state,
            last.stream_version,
            self.sealed,
            self.entries + recorded(events),
            last.event_id,
        )


async def read_case(db: Queryable, case_id: str) -> Loaded:
    return loaded_from(await read_stream(db, stream(case_id)))


def loaded_from(events: list[RecordedEvent]) -> Loaded:
    """The case from its stream's events, in version order."""
    first = events[0].event if events else None
    sealed = first.contact_sealed if isinstance(first, CaseSubmitted) else None
    if not events:
        return Loaded(fold([]), 0, sealed, [])
    last = events[-1]
    state = fold([e.event for e in events])
    return Loaded(state, last.stream_version, sealed, recorded(events), last.event_id)


async def load(db: Queryable, case_id: str) -> tuple[CaseState, int]:
    case = await read_case(db, case_id)
    return case.state, case.version


async def carry_out(
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
    loaded: tuple[CaseState, int] | None = None,
    db: asyncpg.Connection | None = None,
    condition: Condition | None = None,
) -> tuple[Outcome, list[Event] | None]:
    """Read (unless `loaded`: the state and version the caller has just read), decide,
    append. The outcome, and the events appended now ([] when the decider decided none;
    None when the command had been carried out before and this was a retry).
    `fresh_id`: the command id was just generated here, so it cannot be a retry.
    `db`: a connection the caller holds (in no transaction), else the store's pool.
    `condition`: append only while it holds (held.py), else ConditionFailed."""
    conn: Queryable = db or store.pool
    done = None if fresh_id else await replayed(conn, command_id)
    if done is not None:
        return done, None
    state, version = loaded if loaded is not None else await load(conn, case_id)
    if expected is not None and expected != version:
        # The client's If-Match is not the version the state was folded at: appending with
        # it could succeed after events this decision never saw (the stream moved from
        # `version` to `expected` since the read). Refuse as the store refuses a stale
        # If-Match; the stream's version is `version` when the client is behind, unknown
        # when it moved past the read.
        raise WrongExpectedVersion(stream(case_id), expected, version if expected < version else None)
    calendar = WorkCalendar(await declared_days(conn))
    ctx = Context(now=now, dues=dues(state, calendar, policy), policy=policy)
    events = decide(command, state, ctx)
    if not events:
        return Outcome(None, version), []
    appending = pending(events, command_id=command_id, actor=actor)
    result = await store.append(
        stream(case_id),
        appending,
        version,  # = `expected` when the client sent one (checked above)
        db,
        condition,
    )
    outcome = Outcome(result.positions[-1], result.last_version, result.checkpoint, appending[-1].event_id)
    # A retry that raced its first attempt past `replayed` (the store answered with the
    # stored append): nothing new was appended, so the caller must not add these events.
    return outcome, None if result.replayed else events
