"""The intake statement, batch by batch: every outcome a submission can have, on real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import msgspec
import pytest

from services.surveys.intake.batcher import Submission
from services.surveys.intake.pool_sql import commit_batch

pytestmark = pytest.mark.integration
MINUTE = datetime(2026, 3, 2, 9, tzinfo=UTC)


def sub(sid: bytes, code: bytes | None = None, cycle: int = 1, survey: str = "s") -> Submission:
    return Submission(
        survey_id=survey,
        cycle=cycle,
        sid_hash=sid,
        sealed=b"sealed",
        unit_id=None if code else "u",
        code_hash=code,
        minute=MINUTE,
    )


async def setup(pool: asyncpg.Pool) -> None:
    await pool.execute("INSERT INTO survey_intake VALUES ('s', 1, true, 'code', 5, 360)")
    await pool.execute(
        "INSERT INTO survey_codes (code_hash, survey_id, cycle, unit_id, issue_id)"
        " SELECT c, 's', 1, 'unit-of-code', 'i' FROM unnest($1::bytea[]) AS c",
        [b"c1", b"c2", b"c3"],
    )


async def test_every_outcome_of_a_batch(pool: asyncpg.Pool) -> None:
    await setup(pool)
    first = await commit_batch(pool, [sub(b"seen", b"c3")])
    assert first == [("accepted", "unit-of-code")]
    batch = [
        sub(b"a", b"c1"),  # accepted, counts for the code's unit
        sub(b"a", b"c1"),  # the same submission again in the batch
        sub(b"b", b"c1"),  # another submission with the same code
        sub(b"c", b"nope"),  # an unknown code
        sub(b"seen", b"c3"),  # a retry of a submission already accepted
        sub(b"d", b"c2", cycle=2),  # validated against another cycle
        sub(b"e", b"c2", survey="other"),  # a survey not open
    ]
    outcomes = [o for o, _ in await commit_batch(pool, batch)]
    assert outcomes == ["accepted", "duplicate", "bad-code", "bad-code", "duplicate", "closed", "closed"]
    assert await pool.fetchval("SELECT count(*) FROM survey_pool") == 2
    assert await pool.fetchval("SELECT count(*) FROM survey_codes WHERE redeemed") == 2
    assert await pool.fetchval("SELECT count(*) FROM survey_pool_buckets") == 1


async def test_closed_survey_takes_nothing_in(pool: asyncpg.Pool) -> None:
    await setup(pool)
    await pool.execute("UPDATE survey_intake SET open = false")
    assert await commit_batch(pool, [sub(b"x", b"c1")]) == [("closed", None)]
    assert await pool.fetchval("SELECT count(*) FROM survey_codes WHERE redeemed") == 0


async def test_the_same_retry_in_two_concurrent_batches_is_one_answer(pool: asyncpg.Pool) -> None:
    """Two workers get the same retry at once: neither saw the other's submission id before
    inserting, one statement fails on the key and is retried, reading "duplicate"."""
    import asyncio

    await setup(pool)
    for round_ in range(20):
        sid = f"twice-{round_}".encode()
        results = await asyncio.gather(
            commit_batch(pool, [sub(sid), sub(f"other-{round_}-a".encode())]),
            commit_batch(pool, [sub(sid), sub(f"other-{round_}-b".encode())]),
        )
        firsts = sorted(r[0][0] for r in results)
        assert firsts == ["accepted", "duplicate"]
        assert [r[1][0] for r in results] == ["accepted", "accepted"]
    assert await pool.fetchval("SELECT count(*) FROM survey_pool") == 60
    assert await pool.fetchval("SELECT count(*) FROM survey_submissions") == 60


async def test_every_outcome_of_a_large_batch(pool: asyncpg.Pool) -> None:
    """A 2,000-submission batch (the size where the old statement went quadratic): every
    outcome read back right from the tagged sets. Its speed is the benchmark's business."""
    await pool.execute("INSERT INTO survey_intake VALUES ('s', 1, true, 'code', 5, 360)")
    codes = [f"code-{n}".encode() for n in range(2000)]
    await pool.execute(
        "INSERT INTO survey_codes (code_hash, survey_id, cycle, unit_id, issue_id)"
        " SELECT c, 's', 1, 'unit-of-code', 'i' FROM unnest($1::bytea[]) AS c",
        codes[:1500],
    )
    batch = [sub(f"s-{n}".encode(), codes[n]) for n in range(2000)]
    outcomes = [o for o, _ in await commit_batch(pool, batch)]
    assert outcomes == ["accepted"] * 1500 + ["bad-code"] * 500
    again = [o for o, _ in await commit_batch(pool, batch[:10])]
    assert again == ["duplicate"] * 10
    assert await pool.fetchval("SELECT count(*) FROM survey_pool") == 1500


async def test_a_retry_racing_its_first_copy_for_the_same_code_reads_duplicate(pool: asyncpg.Pool) -> None:
    """Worker A's statement holds the code's row; worker B gets the same retry (same
    submission id and code), waits on that row, then finds the code used. A has committed
    the submission id by then, so B answers "duplicate" (the answer is in), not a used code."""
    import asyncio

    from services.surveys.intake.pool_sql import _SQL

    await setup(pool)
    async with pool.acquire() as a:
        first = a.transaction()
        await first.start()
        held = await a.fetch(_SQL, [0], ["s"], [1], [b"sid"], [b"c1"], [None], [b"sealed"], [MINUTE])
        assert ("won" in {r["tag"] for r in held}) is True
        retry = asyncio.create_task(commit_batch(pool, [sub(b"sid", b"c1")]))
        for _ in range(100):  # until B waits on the code's row lock
            waiting = await pool.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if waiting:
                break
            await asyncio.sleep(0.02)
        assert waiting, "the retry never waited on the first copy's lock"
        await first.commit()
    assert await retry == [("duplicate", None)]
    assert await pool.fetchval("SELECT count(*) FROM survey_pool") == 1
    assert await pool.fetchval("SELECT count(*) FROM survey_codes WHERE redeemed") == 1


async def test_a_release_waits_for_a_batch_in_flight_so_no_answer_loses_its_bucket(
    pool: asyncpg.Pool,
) -> None:
    """A batch that found its unit's bucket row open (ON CONFLICT DO NOTHING: no lock) and
    commits while a release runs must not end up in the pool without a bucket — it would
    never be due again. The release waits for it (the intake row FOR UPDATE) and takes it."""
    import asyncio
    import uuid

    from events import catalogue
    from services.surveys import keys
    from services.surveys.intake.pool_sql import _SQL
    from services.surveys.intake.release import release_pool

    catalogue.load_all()
    secret = b"release-secret"
    await pool.execute("INSERT INTO survey_intake VALUES ('s', 1, true, 'open', 5, 360)")

    def answer(sid: bytes) -> Submission:
        sealed = keys.seal(secret, b'{"q": "satisfied"}', 64)
        return msgspec.structs.replace(sub(sid), sealed=sealed)

    assert await commit_batch(pool, [answer(b"first")]) == [("accepted", "u")]  # opens the bucket
    late = answer(b"late")
    async with pool.acquire() as batch:
        in_flight = batch.transaction()
        await in_flight.start()
        await batch.fetch(_SQL, [0], ["s"], [1], [late.sid_hash], [None], ["u"], [late.sealed], [MINUTE])

        async def release() -> int:
            async with pool.acquire() as conn, conn.transaction():
                return await release_pool(conn, secret, "s", None, MINUTE, uuid.uuid4())

        releasing = asyncio.create_task(release())
        await asyncio.sleep(0.3)  # without the lock the release is long done by now
        await in_flight.commit()
    assert await releasing == 2  # it waited, then took the late answer too
    orphans = await pool.fetchval(
        """SELECT count(*) FROM survey_pool p WHERE NOT EXISTS (SELECT 1 FROM survey_pool_buckets b
            WHERE (b.survey_id, b.cycle, b.unit_id) = (p.survey_id, p.cycle, p.unit_id))"""
    )
    assert orphans == 0
