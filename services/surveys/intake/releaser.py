"""The background release of the mixing pool, and the lifespan that owns it and the batcher.

Every few seconds, for each open survey with answers waiting: release the unit buckets
holding at least k answers or waiting longer than the manifest's limit. It runs where the
projectors run (`qunsheng serve` with QS_RUN_PROJECTORS=true, or `qunsheng project`), so
web workers only take answers in. Several processes may run it; the per-survey advisory
lock in release_pool serialises them, and a bucket already released is simply gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from types import SimpleNamespace
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


async def release_forever(state: Any) -> None:
    while True:
        # `survey_release_seconds` on the state (0 = only on request) lets a test hold the pool.
        every = float(getattr(state, "survey_release_seconds", EVERY_SECONDS))
        await asyncio.sleep(every if every > 0 else 0.2)
        if every <= 0:
            continue
        try:
            await release_due(state)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the pool keeps everything: the next pass tries again
            log.warning("survey release failed (%s); retrying", type(exc).__name__)


def standalone_state(settings: Any, pool: Any, store: Any) -> Any:
    """What release_due needs, outside the web app (the `qunsheng project` process)."""
    from services.deps import SystemClock

    return SimpleNamespace(
        settings=settings, resources=SimpleNamespace(pool=pool, store=store), clock=SystemClock()
    )


@contextlib.asynccontextmanager
async def survey_lifespan(app: Any) -> AsyncIterator[None]:
    task = None
    if app.state.settings.run_projectors:
        task = asyncio.create_task(release_forever(app.state), name="survey-release")
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        found = getattr(app.state, "survey_batcher", None)
        if found is not None:
            await found.close()
