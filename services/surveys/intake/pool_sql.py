"""One intake transaction for a batch of submissions (see batcher.py).

Per submission, in this order: is the survey open for its cycle (the intake row is read
FOR SHARE, so a close waits for this batch and releases what it adds); was the submission
id already accepted (a retry: 202 again, nothing added); does the invitation code exist
unredeemed (redeemed here, in the same transaction as the pool row, so answers can never
outnumber redemptions and a crash leaves neither); then the pool row. Rows are locked in
a sorted order so that two batches can't deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import asyncpg

from events.store.db import Db

if TYPE_CHECKING:
    from services.surveys.intake.batcher import Outcome, Result, Submission

RETRIES = 5


async def commit_batch(pool: asyncpg.Pool, batch: Sequence[Submission]) -> list[Result]:
    for attempt in range(RETRIES):
        try:
            async with pool.acquire() as conn, conn.transaction():
                return await _commit(conn, batch)
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError):
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


async def _commit(conn: Db, batch: Sequence[Submission]) -> list[Result]:
    outcomes: list[Outcome | None] = [None] * len(batch)
    open_cycles = await _open_cycles(conn, {s.survey_id for s in batch})
    first: dict[tuple[str, bytes], int] = {}
    for i, s in enumerate(batch):
        if open_cycles.get(s.survey_id) != s.cycle:
            outcomes[i] = "closed"
        elif (s.survey_id, s.sid_hash) in first:
            outcomes[i] = "duplicate"  # the same submission twice in one batch: one answer
        else:
            first[(s.survey_id, s.sid_hash)] = i
    live = [i for i in first.values()]
    seen = await _seen(conn, [batch[i] for i in live])
    for i in live:
        if (batch[i].survey_id, batch[i].sid_hash) in seen:
            outcomes[i] = "duplicate"
    todo = [i for i in live if outcomes[i] is None]
    units = await _redeem(conn, batch, todo, outcomes)
    keep = await _remember(conn, batch, [i for i in todo if outcomes[i] is None])
    await _insert(conn, batch, keep, units)
    for i in todo:
        outcomes[i] = "accepted" if i in keep else outcomes[i] or "duplicate"
    return [(o or "closed", units.get(i)) for i, o in enumerate(outcomes)]


async def _open_cycles(conn: Db, survey_ids: set[str]) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT survey_id, cycle FROM survey_intake WHERE survey_id = ANY($1) AND open"
        " ORDER BY survey_id FOR SHARE",
        sorted(survey_ids),
    )
    return {r["survey_id"]: r["cycle"] for r in rows}


async def _seen(conn: Db, subs: Sequence[Submission]) -> set[tuple[str, bytes]]:
    if not subs:
        return set()
    rows = await conn.fetch(
        """SELECT s.survey_id, s.sid_hash FROM survey_submissions s
             JOIN unnest($1::text[], $2::bytea[]) AS t(survey_id, sid_hash) USING (survey_id, sid_hash)""",
        [s.survey_id for s in subs],
        [s.sid_hash for s in subs],
    )
    return {(r["survey_id"], r["sid_hash"]) for r in rows}


async def _redeem(
    conn: Db, batch: Sequence[Submission], todo: list[int], outcomes: list[Any]
) -> dict[int, str]:
    """Redeem the codes of `todo`; returns index → unit. Losers are marked bad-code."""
    units = {i: batch[i].unit_id for i in todo if batch[i].code_hash is None}
    coded = sorted(
        (i for i in todo if batch[i].code_hash is not None), key=lambda i: batch[i].code_hash or b""
    )
    if not coded:
        return units  # type: ignore[return-value]
    rows = await conn.fetch(
        """WITH wanted AS (
               SELECT c.code_hash FROM survey_codes c
                 JOIN unnest($1::bytea[], $2::text[], $3::int[]) AS t(h, s, cy)
                   ON c.code_hash = t.h AND c.survey_id = t.s AND c.cycle = t.cy
                WHERE NOT c.redeemed ORDER BY c.code_hash FOR UPDATE OF c)
           UPDATE survey_codes c SET redeemed = true FROM wanted
            WHERE c.code_hash = wanted.code_hash AND NOT c.redeemed
           RETURNING c.code_hash, c.unit_id""",
        [batch[i].code_hash for i in coded],
        [batch[i].survey_id for i in coded],
        [batch[i].cycle for i in coded],
    )
    won = {r["code_hash"]: r["unit_id"] for r in rows}
    for i in coded:
        unit = won.pop(batch[i].code_hash, None)  # pop: a code twice in one batch wins once
        if unit is None:
            outcomes[i] = "bad-code"
        else:
            units[i] = unit
    return units  # type: ignore[return-value]


async def _remember(conn: Db, batch: Sequence[Submission], todo: list[int]) -> list[int]:
    """Record the submission ids; a concurrent batch that took one first makes it a duplicate."""
    if not todo:
        return []
    todo = sorted(todo, key=lambda i: batch[i].sid_hash)
    rows = await conn.fetch(
        """INSERT INTO survey_submissions SELECT * FROM unnest($1::text[], $2::bytea[])
           ON CONFLICT DO NOTHING RETURNING survey_id, sid_hash""",
        [batch[i].survey_id for i in todo],
        [batch[i].sid_hash for i in todo],
    )
    new = {(r["survey_id"], r["sid_hash"]) for r in rows}
    return [i for i in todo if (batch[i].survey_id, batch[i].sid_hash) in new]


async def _insert(conn: Db, batch: Sequence[Submission], keep: list[int], units: dict[int, str]) -> None:
    if not keep:
        return
    await conn.execute(
        "INSERT INTO survey_pool (survey_id, cycle, unit_id, sealed)"
        " SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bytea[])",
        [batch[i].survey_id for i in keep],
        [batch[i].cycle for i in keep],
        [units[i] for i in keep],
        [batch[i].sealed for i in keep],
    )
    buckets = sorted({(batch[i].survey_id, batch[i].cycle, units[i]): batch[i].minute for i in keep}.items())
    await conn.execute(
        """INSERT INTO survey_pool_buckets
           SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[])
           ON CONFLICT DO NOTHING""",
        [b[0][0] for b in buckets],
        [b[0][1] for b in buckets],
        [b[0][2] for b in buckets],
        [b[1] for b in buckets],
    )
