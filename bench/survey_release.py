"""Release of a batch of 10,000 answers from the mixing pool into the store and every survey
projection: the release transaction (delete, unseal, shuffle, append) and the time until the
four survey projectors have applied it, beside one INSERT of the same 10,000 event bodies
into a bare table in one transaction, measured in the same run."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import msgspec

from bench.survey_queries import SURVEY, tree
from events import catalogue
from events.answers import AnswerRecorded
from projections.ballot_accounting import BallotAccounting
from projections.runner import Runner
from projections.satisfaction_by_unit import SatisfactionByUnit
from projections.survey_catalogue import SurveyCatalogue
from projections.survey_free_text import SurveyFreeText
from services.surveys import keys
from services.surveys.intake.release import release_pool

SECRET = b"bench-secret-key"
N = int(os.environ.get("QS_BENCH_RELEASE_ANSWERS", "10000"))


def answer(i: int) -> dict[str, object]:
    return {
        "m": "satisfied",
        "c": 1 + i % 5,
        "r": i % 11,
        "g": "youth" if i % 3 else "women",
        "t": f"意见{i}",
    }


async def run(dsn: str) -> dict[str, float]:
    pool = await asyncpg.create_pool(dsn, min_size=4, max_size=8)
    leaves = [u.unit_id for u in tree() if len(u.path) == 4]
    encoder = msgspec.json.Encoder()
    rows = [
        (SURVEY, 1, leaves[i % len(leaves)], keys.seal(SECRET, encoder.encode(answer(i)))) for i in range(N)
    ]
    await pool.copy_records_to_table(
        "survey_pool", records=rows, columns=["survey_id", "cycle", "unit_id", "sealed"]
    )
    projectors = [SurveyCatalogue(), SatisfactionByUnit(), SurveyFreeText(), BallotAccounting()]
    runner = Runner(dsn, pool, projectors, poll_seconds=0.05)
    task = asyncio.create_task(runner.run())
    await _caught_up(pool, [p.name for p in projectors])
    started = time.perf_counter()
    async with pool.acquire() as conn, conn.transaction():
        released = await release_pool(conn, SECRET, SURVEY, None, datetime.now(UTC), uuid.uuid4())
    committed = time.perf_counter()
    await _caught_up(pool, [p.name for p in projectors])
    projected = time.perf_counter()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    ceiling = await _raw_insert(pool)
    await pool.close()
    assert released == N
    return {"release_s": committed - started, "projected_s": projected - started, "raw_insert_s": ceiling}


async def _caught_up(pool: asyncpg.Pool, names: list[str]) -> None:
    while True:
        behind = await pool.fetchval(
            """SELECT count(*) FROM unnest($1::text[]) AS n(name)
                 LEFT JOIN projection_checkpoints c USING (name)
                WHERE c.name IS NULL OR (c.era, c.tx, c.pos) < (
                      SELECT era, transaction_id::text::bigint, position FROM events
                       ORDER BY era DESC, transaction_id DESC, position DESC LIMIT 1)""",
            names,
        )
        if behind == 0:
            return
        await asyncio.sleep(0.01)


async def _raw_insert(pool: asyncpg.Pool) -> float:
    bodies = [
        catalogue.encode(
            AnswerRecorded(
                survey_id=SURVEY,
                cycle=1,
                unit_id="u",
                answer_id=uuid.uuid4().hex,
                values=answer(i),
                released_at=datetime.now(UTC),
            )
        ).decode()  # type: ignore[arg-type]
        for i in range(N)
    ]
    await pool.execute("CREATE TABLE bench_raw_release (id bigint GENERATED ALWAYS AS IDENTITY, data jsonb)")
    started = time.perf_counter()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO bench_raw_release (data) SELECT unnest($1::text[])::jsonb", bodies)
    return time.perf_counter() - started
