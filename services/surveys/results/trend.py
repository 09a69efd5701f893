"""The unit × dimension heatmap of a cycle and the trend of a unit across cycles, both
built from `results` cells, so they pass the same disclosure control."""

from __future__ import annotations

import asyncpg
import msgspec

from services.problems import NotFound
from services.surveys.results.cycle import Cycle, load_cycle
from services.surveys.results.hierarchy import hidden_above
from services.surveys.results.queries import counts, results
from services.surveys.results.scoring import Score, pooled


class HeatRow(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    label: str
    suppressed: bool
    respondents: int | None
    dimensions: dict[str, Score | None]


class Heatmap(msgspec.Struct, frozen=True, kw_only=True):
    survey_id: str
    cycle: int
    unit_id: str
    k: int
    dimensions: list[str]
    rows: list[HeatRow]


async def heatmap(pool: asyncpg.Pool, c: Cycle, unit_id: str) -> Heatmap:
    r = await results(pool, c, unit_id, None)
    dims = [d.id for d in c.definition.dimensions]
    cells = r.children or [r.total]
    rows = [
        HeatRow(
            key=x.key,
            label=x.label,
            suppressed=x.suppressed,
            respondents=x.respondents,
            dimensions={d: x.dimensions.get(d) for d in dims} if not x.suppressed else {},
        )
        for x in cells
    ]
    return Heatmap(
        survey_id=c.survey_id, cycle=c.cycle, unit_id=unit_id, k=c.manifest.k, dimensions=dims, rows=rows
    )


class TrendPoint(msgspec.Struct, frozen=True, kw_only=True):
    cycle: int
    published_at: str
    score_version: int
    definition_changed: bool  # the score definition differs from the previous point's
    suppressed: bool
    respondents: int | None
    overall: Score | None
    dimensions: dict[str, Score]


async def trend(pool: asyncpg.Pool, survey_id: str, unit_id: str, score: str | int) -> list[TrendPoint]:
    cycles = await pool.fetch(
        "SELECT cycle, published_at FROM survey_cycles WHERE survey_id = $1 ORDER BY cycle", survey_id
    )
    points: list[TrendPoint] = []
    for row in cycles:
        c = await load_cycle(pool, survey_id, row["cycle"], score)
        if unit_id not in c.units:
            continue
        points.append(await _point(pool, c, unit_id, row["published_at"].isoformat(), points))
    if not points:
        raise NotFound("the unit took part in no cycle of this survey")
    return points


async def _point(pool: asyncpg.Pool, c: Cycle, unit_id: str, at: str, before: list[TrendPoint]) -> TrendPoint:
    people, dists = await counts(pool, c, [unit_id], ("", ""))
    n, dist = people.get(unit_id, 0), dists.get(unit_id, {})
    hidden = n < c.manifest.k or await hidden_above(pool, c, unit_id, None)
    kinds = c.kinds()
    dims: dict[str, list[tuple[str, dict[str, int]]]] = {}
    for q in c.definition.questions:
        if q.dimension and q.id in dist:
            dims.setdefault(q.dimension, []).append((q.kind, dist[q.id]))
    changed = bool(before) and before[-1].score_version != c.score.version
    return TrendPoint(
        cycle=c.cycle,
        published_at=at,
        score_version=c.score.version,
        definition_changed=changed,
        suppressed=hidden,
        respondents=None if hidden else n,
        overall=None if hidden else pooled(((kinds[q], d) for q, d in dist.items() if q in kinds), c.score),
        dimensions={} if hidden else {d: pooled(items, c.score) for d, items in dims.items()},
    )
