"""Results and heatmap query latency at 1,000+ units and 1,000,000 answers.

The survey (definition, manifest, a 1,011-unit snapshot: root → 10 schools → 100
departments → 900 groups) goes through the real events and projectors. The answers' counts
are then written straight into satisfaction_by_unit, rolled up the snapshot and laid
out as the projector writes them: the query cost depends on those tables' rows,
not on how they were filled (and projecting a million answers is the release benchmark's
business, at 10,000 a batch). Timed: the query functions the endpoints call (cycle lookup,
counts, disclosure control, scores), p95 over random units of every level.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import msgspec

from bench.harness import percentile
from events.base import pending
from events.store import EventStore, Expect
from events.surveys import PrivacyManifest, SurveyPublished, UnitSnapshot
from projections.satisfaction_by_unit import SatisfactionByUnit, value_layout
from projections.survey_catalogue import SurveyCatalogue
from services.surveys.bodies import NewSurvey
from services.surveys.model import default_score_definition, version_digest
from services.surveys.results.cycle import load_cycle
from services.surveys.results.queries import results
from services.surveys.results.trend import heatmap

SURVEY = "bench-results"
ANSWERS = 1_000_000
VALUES = {
    "m": ["satisfied", "basically_satisfied", "dissatisfied", "unknown"],
    "c": list("12345"),
    "r": [str(i) for i in range(11)],
    "g": ["youth", "women"],
}


def tree() -> list[UnitSnapshot]:
    units = [UnitSnapshot(unit_id="u", parent_id=None, name="县局", kind="bureau", headcount=0, path=("u",))]
    for s in range(10):
        school = f"u{s}"
        units.append(
            UnitSnapshot(
                unit_id=school, parent_id="u", name=f"学校{s}", kind="school", headcount=0, path=("u", school)
            )
        )
        for d in range(10):
            dept = f"{school}.{d}"
            units.append(
                UnitSnapshot(
                    unit_id=dept,
                    parent_id=school,
                    name=f"部门{d}",
                    kind="department",
                    headcount=0,
                    path=("u", school, dept),
                )
            )
            units += [
                UnitSnapshot(
                    unit_id=f"{dept}.{g}",
                    parent_id=dept,
                    name=f"小组{g}",
                    kind="other",
                    headcount=12,
                    path=("u", school, dept, f"{dept}.{g}"),
                )
                for g in range(9)
            ]
    return units


async def fill(dsn: str) -> int:
    from bench.intake import QUESTIONS

    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    store = EventStore(pool)
    definition = msgspec.convert(
        {"owner_unit_id": "u", "title": {"zh": "基准"}, "questions": QUESTIONS}, NewSurvey
    ).to_definition()
    manifest = PrivacyManifest(segment_questions=("g",))
    units = tree()
    from events.surveys import SurveyDrafted

    events = [
        SurveyDrafted(survey_id=SURVEY, owner_unit_id="u", definition=definition),
        default_score_definition(SURVEY),
        SurveyPublished(
            survey_id=SURVEY,
            cycle=1,
            version_digest=version_digest(definition, manifest),
            definition=definition,
            manifest=manifest,
            units=tuple(units),
            published_at=datetime.now(UTC),
        ),
    ]
    await store.append(f"survey-{SURVEY}", pending(events, command_id=uuid.uuid4()), Expect.NO_STREAM)
    async with pool.acquire() as conn, conn.transaction():
        recorded = await store.read_all(limit=100_000)
        for p in (SurveyCatalogue(), SatisfactionByUnit()):
            await p.create_tables(conn)
            await p.apply_batch(conn, [r for r in recorded if r.type in p.handled_types()])
        await _counts(conn, [u for u in units if len(u.path) == 4], value_layout(definition))
    await store.close()
    await pool.close()
    return len(units)


async def _counts(
    conn: asyncpg.Connection, leaves: list[UnitSnapshot], layout: tuple[tuple[str, str], ...]
) -> None:
    rng = random.Random(7)
    per_leaf = -(-ANSWERS // len(leaves))  # at least ANSWERS in all
    counts, people = [], []
    for leaf in leaves:
        youth = rng.randint(per_leaf // 3, 2 * per_leaf // 3)
        for seg, n in ((("", ""), per_leaf), (("g", "youth"), youth), (("g", "women"), per_leaf - youth)):
            people.append((leaf.unit_id, *seg, n))
            for q, values in VALUES.items():
                weights = [rng.random() for _ in values]
                split = [int(n * w / sum(weights)) for w in weights]
                split[0] += n - sum(split)
                counts += [(leaf.unit_id, *seg, q, v, x) for v, x in zip(values, split, strict=True)]
    await conn.execute("CREATE TEMP TABLE leaf_counts (u text, sq text, sv text, q text, v text, n bigint)")
    await conn.execute("CREATE TEMP TABLE leaf_people (u text, sq text, sv text, n bigint)")
    await conn.copy_records_to_table("leaf_counts", records=counts)
    await conn.copy_records_to_table("leaf_people", records=people)
    up = (
        "JOIN survey_units s ON s.survey_id = $1 AND s.cycle = 1 AND s.unit_id = l.u"
        " CROSS JOIN unnest(s.path) a"
    )
    await conn.execute(
        f"""WITH up AS (SELECT a AS unit, l.sq, l.sv, l.q, l.v, sum(l.n) AS n FROM leaf_counts l {up}
                         GROUP BY a, l.sq, l.sv, l.q, l.v),
                 lay AS (SELECT * FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(q, v, i)),
                 cells AS (SELECT a AS unit, l.sq, l.sv, sum(l.n) AS n FROM leaf_people l {up}
                            GROUP BY a, l.sq, l.sv)
            INSERT INTO satisfaction_by_unit
            SELECT $1, 1, c.unit, c.sq, c.sv, c.n, array_agg(coalesce(up.n, 0) ORDER BY lay.i)
              FROM cells c CROSS JOIN lay
              LEFT JOIN up ON up.unit = c.unit AND up.sq = c.sq AND up.sv = c.sv AND up.q = lay.q AND up.v = lay.v
             GROUP BY c.unit, c.sq, c.sv, c.n""",
        SURVEY,
        [q for q, _ in layout],
        [v for _, v in layout],
    )
    await conn.execute("ANALYZE satisfaction_by_unit")


async def measure(dsn: str, rounds: int = 300) -> dict[str, float]:
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=2)
    units = [u.unit_id for u in tree()]
    total = await pool.fetchval(
        "SELECT respondents FROM satisfaction_by_unit WHERE unit_id = 'u' AND seg_q = ''"
    )
    rng = random.Random(11)
    timings: dict[str, list[float]] = {"results": [], "heatmap": [], "select1": []}
    for i in range(rounds):
        unit = "u" if i % 10 == 0 else rng.choice(units)
        for name in timings:
            t = time.perf_counter()
            if name == "select1":
                await pool.fetchval("SELECT 1")
            else:
                c = await load_cycle(pool, SURVEY, None)
                await (results(pool, c, unit, None) if name == "results" else heatmap(pool, c, unit))
            timings[name].append((time.perf_counter() - t) * 1000)
    await pool.close()
    out = {f"{k}_p95_ms": percentile(v[20:], 95) for k, v in timings.items()}  # first rounds warm the caches
    out["answers"] = float(total)
    return out
