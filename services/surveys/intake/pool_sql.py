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

Every step is linear in the batch: PostgreSQL estimates one row for a data-modifying CTE,
so a join between two of them becomes a nested loop, quadratic in the batch (measured: 200
answers took 110 ms that way, 9 ms like this). So no CTE is joined to another: the winners
are the code redemptions' own RETURNING rows plus the open-link rows, and the statement
returns tagged index sets that `_outcomes` reads. A submission id inserted by a concurrent
batch between our check and our insert (the same retry arriving at two workers at once)
fails the statement with a unique violation; it is retried and then reads "duplicate".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import asyncpg

if TYPE_CHECKING:
    from services.surveys.intake.batcher import Outcome, Result, Submission

RETRIES = 5
# The code is found by its primary key; survey and cycle are compared after the probe.
# (`+ 0` and `|| ''` keep the planner off the (survey, cycle, unit) index: with the
# one-row estimate of a CTE it would otherwise walk every code of the survey per answer.)
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
     WHERE c.code_hash = l.code_hash AND NOT c.redeemed
       AND c.survey_id || '' = l.survey_id AND c.cycle + 0 = l.cycle
    RETURNING l.i, l.survey_id, l.cycle, l.sid_hash, c.unit_id, l.sealed, l.minute),
winners AS (
    SELECT * FROM redeemed
    UNION ALL
    SELECT i, survey_id, cycle, sid_hash, unit_id, sealed, minute FROM live WHERE code_hash IS NULL),
remembered AS (
    INSERT INTO survey_submissions SELECT survey_id, sid_hash FROM winners),
pooled AS (
    INSERT INTO survey_pool (survey_id, cycle, unit_id, sealed)
    SELECT survey_id, cycle, unit_id, sealed FROM winners),
buckets AS (
    INSERT INTO survey_pool_buckets
    SELECT DISTINCT ON (survey_id, cycle, unit_id) survey_id, cycle, unit_id, minute FROM winners
    ON CONFLICT DO NOTHING)
SELECT i, 'won' AS tag, unit_id FROM winners
UNION ALL SELECT i, 'live', NULL FROM live
UNION ALL SELECT i, 'open', NULL FROM input JOIN open USING (survey_id, cycle)
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
    sent = [batch[i] for i in send]
    outcomes = await _run(pool, sent)
    retried = await _accepted_meanwhile(
        pool, [sent[j] for j, (_, o, _) in enumerate(outcomes) if o == "bad-code"]
    )
    for i, outcome, unit in outcomes:
        if outcome == "bad-code" and (sent[i].survey_id, sent[i].sid_hash) in retried:
            outcome = "duplicate"
        results[send[i]] = (outcome, unit)
    return [r or ("closed", None) for r in results]


async def _accepted_meanwhile(pool: asyncpg.Pool, refused: Sequence[Submission]) -> set[tuple[str, bytes]]:
    """Of submissions refused for a used code, those whose id was accepted after all.

    A retry racing its first copy in another worker's batch: neither saw the other's
    submission id, the other redeemed the code first (ours waited on that row, then found
    it used) and has committed by now. The respondent's answer is in: "duplicate", not a
    refused code. Rare, so one more read only when a batch has such a refusal."""
    if not refused:
        return set()
    rows = await pool.fetch(
        """SELECT survey_id, sid_hash FROM survey_submissions
            WHERE (survey_id, sid_hash) IN (SELECT * FROM unnest($1::text[], $2::bytea[]))""",
        [s.survey_id for s in refused],
        [s.sid_hash for s in refused],
    )
    return {(r["survey_id"], r["sid_hash"]) for r in rows}


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
            return _outcomes(len(subs), await pool.fetch(_SQL, *args))
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError, asyncpg.UniqueViolationError):
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _outcomes(n: int, rows: Sequence[asyncpg.Record]) -> list[tuple[int, Outcome, str | None]]:
    """Per submission: kept ("won") → accepted; survey not open → closed; its submission id
    already accepted (not "live") → duplicate; otherwise its code was not there to redeem."""
    won: dict[int, str] = {}
    live: set[int] = set()
    open_: set[int] = set()
    for i, tag, unit in rows:
        if tag == "won":
            won[i] = unit
        elif tag == "live":
            live.add(i)
        else:
            open_.add(i)
    out: list[tuple[int, Outcome, str | None]] = []
    for i in range(n):
        if i in won:
            out.append((i, "accepted", won[i]))
        elif i not in open_:
            out.append((i, "closed", None))
        elif i not in live:
            out.append((i, "duplicate", None))
        else:
            out.append((i, "bad-code", None))
    return out
