"""One intake statement for a batch of submissions (see batcher.py): one round trip, one
commit, however many answers.

Per submission the statement checks, in this order: is the survey open for the cycle the
answer was validated against (the intake row is read FOR SHARE, so a close waits for this
statement and then releases what it added); was the submission id already accepted (a
retry: "duplicate", 202 again, nothing added); is the invitation code there and unredeemed
(redeemed here, in the same transaction as the pool row, so answers can never outnumber
redemptions and a crash leaves neither); then the submission id and the pool row.
Duplicates inside one batch are settled before the statement: the first of a submission
id or of a code goes, the others are a duplicate or a used code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import asyncpg

if TYPE_CHECKING:
    from services.surveys.intake.batcher import Outcome, Result, Submission

RETRIES = 5
_SQL = """
WITH input AS (
    SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::bytea[], $5::bytea[], $6::text[],
                         $7::bytea[], $8::timestamptz[])
        AS t(i, survey_id, cycle, sid_hash, code_hash, unit_id, sealed, minute)),
open AS (
    SELECT survey_id, cycle FROM survey_intake
     WHERE survey_id IN (SELECT survey_id FROM input) AND open FOR SHARE),
live AS (
    SELECT i.* FROM input i JOIN open o USING (survey_id, cycle)
     WHERE NOT EXISTS (SELECT 1 FROM survey_submissions s
                        WHERE s.survey_id = i.survey_id AND s.sid_hash = i.sid_hash)),
redeemed AS (
    UPDATE survey_codes c SET redeemed = true FROM live l
     WHERE c.code_hash = l.code_hash AND c.survey_id = l.survey_id AND c.cycle = l.cycle AND NOT c.redeemed
    RETURNING c.code_hash, c.unit_id),
winners AS (
    SELECT l.i, l.survey_id, l.cycle, l.sid_hash, coalesce(r.unit_id, l.unit_id) AS unit_id,
           l.sealed, l.minute
      FROM live l LEFT JOIN redeemed r ON r.code_hash = l.code_hash
     WHERE l.code_hash IS NULL OR r.code_hash IS NOT NULL),
remembered AS (
    INSERT INTO survey_submissions SELECT survey_id, sid_hash FROM winners
    ON CONFLICT DO NOTHING RETURNING survey_id, sid_hash),
kept AS (
    SELECT w.* FROM winners w JOIN remembered USING (survey_id, sid_hash)),
pooled AS (
    INSERT INTO survey_pool (survey_id, cycle, unit_id, sealed)
    SELECT survey_id, cycle, unit_id, sealed FROM kept),
buckets AS (
    INSERT INTO survey_pool_buckets
    SELECT DISTINCT ON (survey_id, cycle, unit_id) survey_id, cycle, unit_id, minute FROM kept
    ON CONFLICT DO NOTHING)
SELECT i.i,
       CASE WHEN o.survey_id IS NULL THEN 'closed'
            WHEN k.i IS NOT NULL THEN 'accepted'
            WHEN l.i IS NULL THEN 'duplicate'
            WHEN w.i IS NULL THEN 'bad-code'
            ELSE 'duplicate' END AS outcome,
       k.unit_id
  FROM input i
  LEFT JOIN open o USING (survey_id, cycle)
  LEFT JOIN live l USING (i)
  LEFT JOIN winners w USING (i)
  LEFT JOIN kept k USING (i)
"""


async def commit_batch(pool: asyncpg.Pool, batch: Sequence[Submission]) -> list[Result]:
    results: list[Result | None] = [None] * len(batch)
    send: list[int] = []
    by_sid: dict[tuple[str, bytes], int] = {}
    codes: set[tuple[str, bytes]] = set()
    for i, s in enumerate(batch):
        first = by_sid.setdefault((s.survey_id, s.sid_hash), i)
        if first != i:
            results[i] = ("duplicate", None)  # the same submission twice in one batch: one answer
        elif s.code_hash is not None and (s.survey_id, s.code_hash) in codes:
            results[i] = ("bad-code", None)  # one code in two submissions of a batch: the first wins
        else:
            if s.code_hash is not None:
                codes.add((s.survey_id, s.code_hash))
            send.append(i)
    for i, outcome, unit in await _run(pool, [batch[i] for i in send]):
        results[send[i]] = (outcome, unit)
    return [r or ("closed", None) for r in results]


async def _run(pool: asyncpg.Pool, subs: Sequence[Submission]) -> list[tuple[int, Outcome, str | None]]:
    if not subs:
        return []
    args = (
        list(range(len(subs))),
        [s.survey_id for s in subs],
        [s.cycle for s in subs],
        [s.sid_hash for s in subs],
        [s.code_hash for s in subs],
        [s.unit_id for s in subs],
        [s.sealed for s in subs],
        [s.minute for s in subs],
    )
    for attempt in range(RETRIES):
        try:  # one statement outside a transaction block: it commits on its own, once
            rows = await pool.fetch(_SQL, *args)
            return [(r["i"], r["outcome"], r["unit_id"]) for r in rows]
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError):
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")
