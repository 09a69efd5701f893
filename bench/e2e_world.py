"""The end-to-end benchmark's world: a large store and a county-sized tree, built fast.

* Filler: N small events written by SQL in chunks (one transaction each), the way a store
  that has lived for years holds them. The projectors' checkpoints are set past them before
  any runner starts, so the live read models cost nothing to build; a rebuild (measured for
  memory) replays all of them.
* The world on top goes through the real commands and projectors: an admin who is also a
  leader and handler on the root, 1,000 units under it, an open survey published over all
  of them, answers released from the mixing pool by the real release, and cases submitted
  through HTTP.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import httpx
import msgspec

from bench.events_for_bench import PAYLOAD_NOTE
from events.base import pending
from events.store import EventStore, Expect
from events.units import UnitCreated
from projections.catalogue import all_projectors
from services.access.bootstrap import create_admin
from services.surveys import keys

PASSWORD = "bench-password-e2e"
CHUNK = 500_000
_FILL = """
INSERT INTO events (era, event_id, stream_id, stream_version, type, schema_version, data, metadata)
SELECT (SELECT era FROM store_meta), gen_random_uuid(), 'bench-' || (g / 10), g % 10 + 1, 'BenchHappened', 1,
       jsonb_build_object('n', g, 'note', $3::text),
       jsonb_build_object('correlation_id', gen_random_uuid())
  FROM generate_series($1::bigint, $2::bigint) g
"""


async def fill(dsn: str, events: int) -> float:
    """Write `events` filler events; set every projector's checkpoint past them. Seconds taken."""
    started = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        for low in range(0, events, CHUNK):
            await conn.execute(_FILL, low, min(low + CHUNK, events) - 1, PAYLOAD_NOTE)
        last = await conn.fetchrow(
            "SELECT era, transaction_id::text::bigint AS tx, position FROM events"
            " ORDER BY era DESC, transaction_id DESC, position DESC LIMIT 1"
        )
        await conn.executemany(
            "INSERT INTO projection_checkpoints (name, era, tx, pos) VALUES ($1, $2, $3, $4)",
            [(p.name, last["era"], last["tx"], last["position"]) for p in all_projectors()],
        )
        await conn.execute("VACUUM ANALYZE events")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def admin_and_tree(dsn: str) -> tuple[str, str, list[str]]:
    """The admin (account id) on a root unit with 10 schools × 10 departments × 9 groups."""
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    store = EventStore(pool)
    try:
        account, root = await create_admin(
            store,
            login="root",
            display_name="Root",
            password=PASSWORD,
            now=datetime.now(UTC),
            unit_name="县局",
        )
        units: list[str] = []

        async def unit(unit_id: str, parent: str, kind: str, headcount: int) -> None:
            e = UnitCreated(unit_id=unit_id, parent_id=parent, name=unit_id, kind=kind, headcount=headcount)
            await store.append(f"unit-{unit_id}", pending([e], command_id=uuid.uuid4()), Expect.NO_STREAM)
            units.append(unit_id)

        for s in range(10):
            await unit(f"s{s}", root, "school", 0)
            for d in range(10):
                await unit(f"s{s}.{d}", f"s{s}", "department", 0)
                for g in range(9):
                    await unit(f"s{s}.{d}.{g}", f"s{s}.{d}", "other", 12)
    finally:
        await store.close()
        await pool.close()
    return account, root, units


async def signed_in(base: str, account: str, root: str) -> dict[str, str]:
    """Headers of the admin's session, after granting it leader and handler on the root."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        r = await c.post("/api/v1/auth/sign-in", json={"login": "root", "password": PASSWORD})
        r.raise_for_status()
        headers = {"Cookie": f"qs_session={r.cookies['qs_session']}", "X-CSRF-Token": r.json()["csrf_token"]}
        for role in ("leader", "handler"):
            g = await c.post(
                f"/api/v1/accounts/{account}/roles", headers=headers, json={"unit_id": root, "role": role}
            )
            g.raise_for_status()
    return headers


async def open_survey(base: str, headers: dict[str, str], root: str) -> str:
    from bench.intake import QUESTIONS

    async with httpx.AsyncClient(base_url=base, timeout=60, headers=headers) as c:
        r = await c.post(
            "/api/v1/surveys",
            json={"owner_unit_id": root, "title": {"zh": "满意度"}, "questions": QUESTIONS, "access": "open"},
        )
        r.raise_for_status()
        survey = str(r.json()["survey_id"])
        r = await c.post(f"/api/v1/surveys/{survey}/publish", json={"k": 5, "segment_questions": ["g"]})
        r.raise_for_status()
    return survey


async def pooled_answers(dsn: str, secret: str, survey: str, leaves: list[str], per_unit: int) -> int:
    """Sealed answers straight into the mixing pool (what accepted submissions leave there)."""
    rows = []
    for n, unit in enumerate(leaves):
        for i in range(per_unit):
            values = {
                "m": "satisfied" if (n + i) % 3 else "dissatisfied",
                "c": 1 + i % 5,
                "r": i % 11,
                "g": "youth" if i % 2 else "women",
            }
            rows.append((survey, 1, unit, keys.seal(secret.encode(), msgspec.json.encode(values))))
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "survey_pool", records=rows, columns=["survey_id", "cycle", "unit_id", "sealed"]
        )
        # The bucket rows say since when each unit's answers wait; release reads them.
        await conn.executemany(
            "INSERT INTO survey_pool_buckets VALUES ($1, 1, $2, date_trunc('minute', now()))"
            " ON CONFLICT DO NOTHING",
            [(survey, unit) for unit in leaves],
        )
    finally:
        await conn.close()
    return len(rows)


async def release(base: str, headers: dict[str, str], dsn: str, survey: str) -> int:
    """Release now (the background release may take part of it first); answers released."""
    async with httpx.AsyncClient(base_url=base, timeout=600, headers=headers) as c:
        r = await c.post(f"/api/v1/surveys/{survey}/release")
        r.raise_for_status()
    conn = await asyncpg.connect(dsn)
    try:
        while await conn.fetchval("SELECT count(*) FROM survey_pool WHERE survey_id = $1", survey):
            await asyncio.sleep(0.5)
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM events WHERE stream_id = $1 AND type = 'AnswerRecorded'",
                f"answers-{survey}",
            )
        )
    finally:
        await conn.close()


async def cases(base: str, units: list[str], count: int, clients: int = 8) -> int:
    """`count` cases through the public HTTP submission, spread over the units."""
    done = 0

    async def client(w: int) -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            for i in range(w, count, clients):
                kind = ("rights_request", "suggestion", "sentiment")[i % 3]
                body = {
                    "kind": kind,
                    "unit_id": units[i % len(units)],
                    "text": f"基准问题 {i}",
                    "urgency": "urgent" if i % 10 == 0 else "normal",
                }
                r = await c.post("/api/v1/cases", json=body)
                done += r.status_code == 201

    await asyncio.gather(*(client(w) for w in range(clients)))
    return done


def events_target() -> int:
    return int(os.environ.get("QS_BENCH_E2E_EVENTS", "10000000"))
