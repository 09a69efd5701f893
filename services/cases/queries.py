"""Questions about cases, answered from the case projections (never from the event table).

Scoping: a case belongs to its lead unit once assigned, else to the unit it was raised in;
a caller sees it when that unit is inside one of their subtrees (joined with unit_tree at
query time, so a moved unit takes its cases along).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import msgspec

QUEUE_BADGE_SOON = timedelta(hours=24)


class QueueRow(msgspec.Struct, frozen=True):
    case_id: str
    kind: str
    urgency: str
    status: str
    unit_id: str
    unit_name: str
    submitted_at: datetime
    next_due: datetime | None
    next_clock: str | None
    badges: list[str]  # overdue 逾期, due_soon 即将到期, escalated 督办, reopened 重办, waiting 待补充
    age_days: int


_QUEUE = """
SELECT q.*, u.name AS unit_name FROM open_issue_queue q
  JOIN unit_tree u ON u.unit_id = q.unit_id
 WHERE u.path && $1::text[]
   AND ($2::text IS NULL OR q.kind = $2) AND ($3::text IS NULL OR q.status = $3)
   AND ($4::text IS NULL OR u.path @> ARRAY[$4])
 ORDER BY q.escalated DESC, q.next_due NULLS LAST, q.urgency_rank, q.submitted_at, q.case_id
 LIMIT $5 OFFSET $6
"""


async def open_issue_queue(
    pool: asyncpg.Pool,
    scope: Iterable[str],
    now: datetime,
    *,
    kind: str | None = None,
    status: str | None = None,
    unit: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[QueueRow]:
    """Most urgent first: escalated, then by due time — which puts the overdue first, worst
    first, then those due soon — then urgency and age. The order is the table's index, so a
    page of a large queue is read from the index, not sorted."""
    rows = await pool.fetch(_QUEUE, list(scope), kind, status, unit, limit, offset)
    return [_queue_row(r, now) for r in rows]


def _queue_row(r: Any, now: datetime) -> QueueRow:
    due = r["next_due"]
    badges = [
        name
        for name, on in (
            ("overdue", due is not None and due < now),
            ("due_soon", due is not None and now <= due < now + QUEUE_BADGE_SOON),
            ("escalated", r["escalated"]),
            ("reopened", r["reopened"]),
            ("waiting", r["waiting"]),
        )
        if on
    ]
    return QueueRow(
        case_id=r["case_id"],
        kind=r["kind"],
        urgency=r["urgency"],
        status=r["status"],
        unit_id=r["unit_id"],
        unit_name=r["unit_name"],
        submitted_at=r["submitted_at"],
        next_due=due,
        next_clock=r["next_clock"],
        badges=badges,
        age_days=(now - r["submitted_at"]).days,
    )


async def case_unit(pool: asyncpg.Pool, case_id: str) -> tuple[str, list[str]] | None:
    """The unit a case belongs to and that unit's path, or None for an unknown case."""
    row = await pool.fetchrow(
        """SELECT r.unit_id, u.path FROM resolution_rates r JOIN unit_tree u USING (unit_id)
            WHERE r.case_id = $1""",
        case_id,
    )
    return None if row is None else (row["unit_id"], list(row["path"]))


class TimelineStep(msgspec.Struct, frozen=True):
    version: int
    at: datetime
    type: str
    visibility: str
    actor: str | None
    body: dict[str, Any]


async def case_timeline(
    pool: asyncpg.Pool, case_id: str, *, public_only: bool, viewer: str | None = None
) -> list[TimelineStep]:
    rows = await pool.fetch(
        """SELECT version, at, type, visibility, actor, body::text AS body FROM case_timeline
            WHERE case_id = $1 AND (visibility = 'public' OR (NOT $2 AND visibility = 'internal')
                                    OR (NOT $2 AND visibility = 'note' AND actor = $3))
            ORDER BY version""",
        case_id,
        public_only,
        viewer,
    )
    return [
        TimelineStep(
            version=r["version"],
            at=r["at"],
            type=r["type"],
            visibility=r["visibility"],
            actor=None if public_only else r["actor"],
            body=_public_body(r, public_only),
        )
        for r in rows
    ]


def _public_body(r: Any, public_only: bool) -> dict[str, Any]:
    body: dict[str, Any] = msgspec.json.decode(r["body"])
    body.pop("contact_sealed", None)  # never sent anywhere: unsealed only on purpose
    return body
