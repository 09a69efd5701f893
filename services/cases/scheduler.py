"""The case scheduler: says when a clock comes due (即将到期) or passes (逾期), escalates each
breach exactly once, and closes cases left unrated when the rating window ends.

One owner across processes (an advisory lock on its own connection); the others wait. Every
command it issues has an id derived from (case, cycle, clock, what), and the decider refuses
to say the same thing twice, so two schedulers, a restart or a retry never double anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta
from typing import Any

import asyncpg

from services.cases import commands as c
from services.cases.calendar import WorkCalendar
from services.cases.decider import Refused
from services.cases.handle import carry_out, declared_days, load
from services.cases.policy import DEFAULT_POLICY, Policy
from services.cases.timing import dues

log = logging.getLogger(__name__)
ACTOR = "system:scheduler"
_NS = uuid.UUID("6f1b2a52-3c1e-4d55-9d2a-0f4b8f0a7c11")
# Advisory lock keys in use (first number): 2 projector owner, 3 rebuild, 4 migrate, 6 unit
# tree, 7 demo, 8 survey, 10 this scheduler. (6 was this one's too, by mistake: a running
# scheduler then held the unit tree's lock for good and every unit command waited.)
_LOCK = (10, 0)


def command_id(case_id: str, cycle: int, clock: str, what: str) -> uuid.UUID:
    return uuid.uuid5(_NS, f"{case_id}:{cycle}:{clock}:{what}")


async def tick(res: Any, clock: Any, policy: Policy = DEFAULT_POLICY) -> int:
    """One pass over the cases that may need something. Returns the number of commands that
    changed a case."""
    now = clock.now()
    horizon = now.timestamp() + policy.due_soon_seconds
    due = await res.pool.fetch(
        "SELECT case_id FROM open_issue_queue WHERE next_due <= to_timestamp($1)", horizon
    )
    resolved = await res.pool.fetch("SELECT case_id FROM resolution_rates WHERE status = 'resolved'")
    changed = 0
    cal = WorkCalendar(await declared_days(res.pool))
    for row in due:
        changed += await _clocks(res, row["case_id"], now, cal, policy)
    for row in resolved:
        changed += await _run(
            res, row["case_id"], c.CloseUnrated(), uuid.uuid5(_NS, f"{row['case_id']}:close"), now, policy
        )
    return changed


async def _clocks(res: Any, case_id: str, now: Any, cal: WorkCalendar, policy: Policy) -> int:
    state, _ = await load(res.pool, case_id)
    changed = 0
    for clock_name, due_at in dues(state, cal, policy).running():
        if due_at - now > timedelta(seconds=policy.due_soon_seconds):
            continue
        breach = now >= due_at
        what = "breach" if breach else "due_soon"
        cmd = c.MarkDue(clock=clock_name, breach=breach)  # type: ignore[arg-type]
        changed += await _run(
            res, case_id, cmd, command_id(case_id, state.cycle, clock_name, what), now, policy
        )
        if breach:
            esc = c.EscalateCase(reason="逾期自动督办 overdue: escalated automatically", breach=clock_name)  # type: ignore[arg-type]
            changed += await _run(
                res, case_id, esc, command_id(case_id, state.cycle, clock_name, "escalate"), now, policy
            )
    return changed


async def _run(res: Any, case_id: str, cmd: c.AnyCommand, cid: uuid.UUID, now: Any, policy: Policy) -> int:
    """Run one command; 1 if it added events now (not on an earlier pass), else 0."""
    _, before = await load(res.pool, case_id)
    try:
        out, _ = await carry_out(res.store, case_id, cmd, command_id=cid, actor=ACTOR, now=now, policy=policy)
    except Refused:
        return 0  # e.g. the rating window is still open
    return int(out.position is not None and out.version > before)


async def run(res: Any, clock: Any, every: float = 30.0) -> None:
    """Tick every `every` seconds while holding the scheduler lock; stand by otherwise."""
    while True:
        try:
            conn = await asyncpg.connect(res.dsn)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("scheduler cannot connect (%s)", type(exc).__name__)
            await asyncio.sleep(every)
            continue
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", *_LOCK):
                await asyncio.sleep(every)
            while True:
                with contextlib.suppress(asyncpg.UndefinedTableError):  # a new store: no tables yet
                    await tick(res, clock)
                await asyncio.sleep(every)
                await conn.fetchval("SELECT 1")  # still holding the lock?
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("scheduler lost the database (%s); retrying", type(exc).__name__)
        finally:
            with contextlib.suppress(Exception):
                await conn.close()
