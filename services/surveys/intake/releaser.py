"""The background release of the mixing pool, and the lifespan that owns it and the batcher.

Every few seconds, for each open survey with answers waiting: release the unit buckets
holding at least k answers or waiting longer than the manifest's limit. Several processes
may run this; the per-survey advisory lock in release_pool serialises them, and a bucket
already released is simply gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from events.store.db import Db
from services.access.keys import service_secret
from services.surveys.intake.release import due_units, release_pool

log = logging.getLogger(__name__)
EVERY_SECONDS = 2.0


async def release_due(state: Any) -> int:
    """One pass over every open survey's pool. Returns the number of answers released."""
    res = state.resources
    secret = await service_secret(state)
    now = state.clock.now()
    surveys = await res.pool.fetch(
        "SELECT survey_id, k, release_after_minutes FROM survey_intake WHERE open"
        " AND EXISTS (SELECT 1 FROM survey_pool p WHERE p.survey_id = survey_intake.survey_id)"
    )
    released = 0
    for s in surveys:
        async with res.store.unit_of_work() as conn:
            units = due_units(await _buckets(conn, s["survey_id"]), s["k"], s["release_after_minutes"], now)
            if units:
                released += await release_pool(conn, secret, s["survey_id"], units, now, uuid.uuid4())
    return released


async def _buckets(conn: Db, survey_id: str) -> list[tuple[str, int, datetime]]:
    await conn.execute("SELECT pg_advisory_xact_lock(8, hashtext($1))", survey_id)
    rows = await conn.fetch(
        """SELECT p.unit_id, count(*) AS n, min(b.opened_at) AS opened
             FROM survey_pool p JOIN survey_pool_buckets b USING (survey_id, cycle, unit_id)
            WHERE p.survey_id = $1 GROUP BY p.unit_id""",
        survey_id,
    )
    return [(r["unit_id"], r["n"], r["opened"]) for r in rows]


async def _loop(app: Any) -> None:
    while True:
        # `survey_release_seconds` on app.state (0 = only on request) lets a test hold the pool.
        every = float(getattr(app.state, "survey_release_seconds", EVERY_SECONDS))
        await asyncio.sleep(every if every > 0 else 0.2)
        if every <= 0:
            continue
        try:
            await release_due(app.state)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the pool keeps everything: the next pass tries again
            log.warning("survey release failed (%s); retrying", type(exc).__name__)


@contextlib.asynccontextmanager
async def survey_lifespan(app: Any) -> AsyncIterator[None]:
    task = asyncio.create_task(_loop(app), name="survey-release")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        found = getattr(app.state, "survey_batcher", None)
        if found is not None:
            await found.close()
