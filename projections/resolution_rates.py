"""resolution_rates: one row of facts per case — was it responded to in time, resolved on
time, rated, solved — from which the rates per unit and period are summed when asked
(services/cases/queries.py), rolled up through the unit tree at query time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from events import cases as ev
from events.base import RecordedEvent
from events.store.db import Db
from projections import case_folding as folding
from projections import rates_summary as summary
from projections.open_issue_queue import OpenIssueQueue
from projections.projector import Projector
from services.cases.calendar import TZ, WorkCalendar
from services.cases.policy import DEFAULT_POLICY
from services.cases.state import CaseState
from services.cases.timing import add, dues

NAME = "resolution_rates"


class ResolutionRates(Projector):
    name: ClassVar[str] = NAME
    handles = OpenIssueQueue.handles
    tables = (NAME, f"{NAME}_states", f"{NAME}_days", summary.TABLE)
    ddl = (
        folding.ddl(NAME)
        + f"""
        CREATE TABLE IF NOT EXISTS {NAME} (
            case_id            text PRIMARY KEY,
            unit_id            text NOT NULL,
            kind               text NOT NULL,
            period             text NOT NULL,          -- month raised, Asia/Shanghai: 2026-03
            submitted_at       timestamptz NOT NULL,
            status             text NOT NULL,
            accepted           boolean NOT NULL,
            counts_for_response boolean NOT NULL,      -- accepted, not withdrawn before a response
            responded_in_time  boolean NOT NULL,
            response_hours     float8,                 -- working hours, acceptance to response
            resolved           boolean NOT NULL,
            resolved_on_time   boolean NOT NULL,
            resolution_hours   float8,                 -- working hours, acceptance to resolution
            rated              boolean NOT NULL,
            solved             boolean,
            satisfaction       text,
            assigned           boolean NOT NULL,
            returned           boolean NOT NULL,
            reopened           boolean NOT NULL,
            breaches           integer NOT NULL
        );
        CREATE INDEX IF NOT EXISTS {NAME}_period ON {NAME} (period, unit_id);
    """
        + summary.DDL
        + """
    """
    )

    async def apply_batch(self, conn: Db, events: Sequence[RecordedEvent]) -> None:
        steps = await folding.fold_batch(conn, NAME, events)
        on_time: dict[str, bool] = {}
        for step in steps:
            verdict = _resolved_on_time(step.event, step.before, step.calendar)
            if verdict is not None:
                on_time[step.case_id] = verdict
        for cid, step in folding.last_steps(steps).items():  # a case's row once per batch
            await _write(conn, cid, step.after, step.calendar, on_time.get(cid))


def _resolved_on_time(event: RecordedEvent, before: CaseState, cal: WorkCalendar) -> bool | None:
    if not isinstance(event.event, ev.CaseResolved):
        return None
    due = dues(before, cal, DEFAULT_POLICY).resolve
    return due is None or event.event.at <= due


def _hours(cal: WorkCalendar, start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round(cal.working_seconds_between(start, end) / 3600, 3)


async def _write(conn: Db, case_id: str, s: CaseState, cal: WorkCalendar, on_time: bool | None) -> None:
    assert s.submitted_at is not None
    limits = DEFAULT_POLICY.limits(s.urgency)
    in_time = (
        s.accepted_at is not None
        and s.responded_at is not None
        and s.responded_at <= add(cal, s.accepted_at, limits.respond)
    )
    old = await conn.fetchrow(f"SELECT * FROM {NAME} WHERE case_id = $1", case_id)
    new = await conn.fetchrow(
        f"""INSERT INTO {NAME} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
                                     coalesce($12, false), $13, $14, $15, $16, $17, $18, $19, $20)
            ON CONFLICT (case_id) DO UPDATE SET unit_id = $2, kind = $3, status = $6, accepted = $7,
              counts_for_response = $8, responded_in_time = $9, response_hours = $10, resolved = $11,
              resolved_on_time = coalesce($12, {NAME}.resolved_on_time), resolution_hours = $13,
              rated = $14, solved = $15, satisfaction = $16, assigned = $17, returned = $18,
              reopened = $19, breaches = $20
            RETURNING *""",
        case_id,
        s.lead_unit or s.unit_id,
        s.kind,
        s.submitted_at.astimezone(TZ).strftime("%Y-%m"),
        s.submitted_at,
        s.status,
        s.accepted_at is not None,
        s.accepted_at is not None and not s.withdrawn_before_response and s.status not in ("merged",),
        in_time,
        _hours(cal, s.accepted_at, s.responded_at),
        s.resolved_at is not None,
        on_time,
        _hours(cal, s.accepted_at, s.resolved_at),
        s.status == "rated",
        s.solved,
        s.satisfaction,
        s.lead_unit is not None or s.returns > 0,
        s.returns > 0,
        s.reopened > 0,
        len(s.breaches),
    )
    await summary.shift(conn, old, new)
