"""open_issue_queue: every case not yet resolved, with its due times, for the leading group
and the handlers. Badges that depend on the clock (逾期, 即将到期) are computed when asked.

`open_issue_queue_by_unit` keeps the number of open cases per unit, so the aging buckets of
a subtree (services/cases/rates.py) read one row per unit for the total and only the cases
raised in the last 16 days (the index on unit and submission time) for the younger buckets,
instead of every open case. Units with no open case have no row (a rebuild equals the live
table whatever the batches)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

from events import cases as ev
from events.base import RecordedEvent
from events.store.db import Db
from projections import case_folding as folding
from projections.projector import Projector
from services.cases.policy import DEFAULT_POLICY
from services.cases.state import CaseState
from services.cases.timing import dues

NAME = "open_issue_queue"
URGENCY_RANK = {"urgent": 0, "normal": 1, "complex": 2}


class OpenIssueQueue(Projector):
    name: ClassVar[str] = NAME
    version: ClassVar[int] = 2  # 2: open cases per unit; index on (unit, submitted_at)
    handles = ev.LIFECYCLE | {ev.WorkdayDeclared}
    tables = (NAME, f"{NAME}_states", f"{NAME}_days", f"{NAME}_by_unit")
    ddl = (
        folding.ddl(NAME)
        + f"""
        CREATE TABLE IF NOT EXISTS {NAME} (
            case_id        text PRIMARY KEY,
            kind           text NOT NULL,
            urgency        text NOT NULL,
            urgency_rank   smallint NOT NULL,
            status         text NOT NULL,
            unit_id        text NOT NULL,      -- the lead unit once assigned, else where raised
            submitted_at   timestamptz NOT NULL,
            next_due       timestamptz,        -- the earliest running clock's due time
            next_clock     text,
            escalated      boolean NOT NULL,
            reopened       boolean NOT NULL,
            waiting        boolean NOT NULL,
            extension      text NOT NULL       -- none / requested / approved / denied
        );
        CREATE INDEX IF NOT EXISTS {NAME}_order ON {NAME}
            (escalated DESC, next_due NULLS LAST, urgency_rank, submitted_at);
        CREATE INDEX IF NOT EXISTS {NAME}_unit ON {NAME} (unit_id, submitted_at);
        CREATE TABLE IF NOT EXISTS {NAME}_by_unit (
            unit_id     text PRIMARY KEY,
            open_cases  integer NOT NULL
        );
    """
    )

    async def apply_batch(self, conn: Db, events: Sequence[RecordedEvent]) -> None:
        steps = await folding.fold_batch(conn, NAME, events)
        last = folding.last_steps(steps)
        was = await conn.fetch(f"SELECT case_id, unit_id FROM {NAME} WHERE case_id = ANY($1)", list(last))
        moved: Counter[str] = Counter()  # open cases per unit: minus where they were, plus where they are
        for r in was:
            moved[r["unit_id"]] -= 1
        for step in last.values():  # a case's row once per batch
            unit = await _write(conn, step.case_id, step.after, step.calendar)
            if unit is not None:
                moved[unit] += 1
        await _count(conn, {u: n for u, n in moved.items() if n})


async def _count(conn: Db, delta: dict[str, int]) -> None:
    """Add each unit's change in open cases; drop the units left with none."""
    if not delta:
        return
    await conn.execute(
        f"""INSERT INTO {NAME}_by_unit AS c SELECT * FROM unnest($1::text[], $2::int[])
            ON CONFLICT (unit_id) DO UPDATE SET open_cases = c.open_cases + EXCLUDED.open_cases""",
        list(delta),
        list(delta.values()),
    )
    if any(n < 0 for n in delta.values()):
        await conn.execute(
            f"DELETE FROM {NAME}_by_unit WHERE unit_id = ANY($1) AND open_cases = 0",
            [u for u, n in delta.items() if n < 0],
        )


async def _write(conn: Db, case_id: str, s: CaseState, cal: object) -> str | None:
    """Write or drop the case's row; the unit it is open at, or None once it is not open."""
    if s.status not in ("submitted", "accepted", "assigned", "in_progress", "waiting", "answered"):
        await conn.execute(f"DELETE FROM {NAME} WHERE case_id = $1", case_id)
        return None
    d = dues(s, cal, DEFAULT_POLICY)  # type: ignore[arg-type]
    running = sorted(d.running(), key=lambda cd: cd[1])
    clock, due = running[0] if running else (None, None)
    extension = (
        "none"
        if not s.extension_requested
        else "requested"
        if not s.extension_decided
        else "approved"
        if s.extension_days
        else "denied"
    )
    await conn.execute(
        f"""INSERT INTO {NAME} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT (case_id) DO UPDATE SET kind = $2, urgency = $3, urgency_rank = $4,
              status = $5, unit_id = $6, next_due = $8, next_clock = $9, escalated = $10,
              reopened = $11, waiting = $12, extension = $13""",
        case_id,
        s.kind,
        s.urgency,
        URGENCY_RANK.get(s.urgency, 1),
        s.status,
        s.lead_unit or s.unit_id,
        s.submitted_at,
        due,
        clock,
        s.escalated,
        s.reopened > 0,
        s.status == "waiting",
        extension,
    )
    return s.lead_unit or s.unit_id
