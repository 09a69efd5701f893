"""Results of a cycle for a unit: the unit (its subtree), each child, and the unit's own
respondents, with scores per dimension and question — always through disclosure control.

Read only from the projections: satisfaction_by_unit (respondents and counts, rolled
up, so a unit's row is its subtree), survey_catalogue (the cycle). Nothing here can return
a cell the disclosure rules did not pass: the Cell constructor is the only way out.
"""

from __future__ import annotations

from collections import defaultdict

import asyncpg
import msgspec

from projections.satisfaction_by_unit import value_layout
from services.surveys.results.cycle import Cycle
from services.surveys.results.disclosure import FilterTooNarrow, check_filter, suppressed
from services.surveys.results.hierarchy import hidden_above, parts_hidden_above, respondents
from services.surveys.results.scoring import Score, pooled

Dist = dict[str, dict[str, int]]  # question id -> value -> count
OWN = "own"  # the unit's own respondents, not in any child


class QuestionCell(msgspec.Struct, frozen=True):
    question_id: str
    score: Score | None
    distribution: dict[str, int]


class Cell(msgspec.Struct, frozen=True, kw_only=True):
    key: str  # a unit id, "own", or a segment option id
    label: str
    suppressed: bool
    respondents: int | None
    overall: Score | None = None
    dimensions: dict[str, Score] = {}
    questions: list[QuestionCell] = []


class Results(msgspec.Struct, frozen=True, kw_only=True):
    survey_id: str
    cycle: int
    unit_id: str
    k: int
    score_version: int
    segment: list[str] | None  # [question id, option id] when filtered
    total: Cell
    children: list[Cell]
    segments: dict[str, list[Cell]]  # unfiltered only: the unit split by each segment question


async def counts(
    pool: asyncpg.Pool, c: Cycle, units: list[str], seg: tuple[str, str]
) -> tuple[dict[str, int], dict[str, Dist]]:
    rows = await pool.fetch(
        """SELECT unit_id, respondents, counts FROM satisfaction_by_unit WHERE survey_id = $1
              AND cycle = $2 AND unit_id = ANY($3) AND seg_q = $4 AND seg_v = $5""",
        c.survey_id,
        c.cycle,
        units,
        *seg,
    )
    layout = value_layout(c.definition)
    return {r["unit_id"]: r["respondents"] for r in rows}, {
        r["unit_id"]: unpack(layout, r["counts"]) for r in rows
    }


def unpack(layout: tuple[tuple[str, str], ...], counts: list[int]) -> Dist:
    dist: Dist = defaultdict(dict)
    for (q, v), n in zip(layout, counts, strict=True):
        if n:
            dist[q][v] = n
    return dist


def minus(total: Dist, parts: list[Dist]) -> Dist:
    out: Dist = {q: dict(v) for q, v in total.items()}
    for part in parts:
        for q, values in part.items():
            for v, n in values.items():
                out.setdefault(q, {})[v] = out.get(q, {}).get(v, 0) - n
    return out


def cell(c: Cycle, key: str, label: str, n: int, dist: Dist, hidden: bool) -> Cell:
    if hidden:
        return Cell(key=key, label=label, suppressed=True, respondents=None)
    kinds = c.kinds()
    by_dim: dict[str, list[tuple[str, dict[str, int]]]] = defaultdict(list)
    for q in c.definition.questions:
        if q.dimension is not None and q.id in dist:
            by_dim[q.dimension].append((q.kind, dist[q.id]))
    questions = [
        QuestionCell(
            q.id,
            pooled([(q.kind, dist.get(q.id, {}))], c.score),
            {v: x for v, x in dist.get(q.id, {}).items() if x},
        )
        for q in c.definition.questions
        if q.kind != "text"
    ]
    return Cell(
        key=key,
        label=label,
        suppressed=False,
        respondents=n,
        overall=pooled(((kinds[q], d) for q, d in dist.items() if q in kinds), c.score),
        dimensions={dim: pooled(items, c.score) for dim, items in by_dim.items()},
        questions=questions,
    )


async def results(pool: asyncpg.Pool, c: Cycle, unit_id: str, segment: tuple[str, str] | None) -> Results:
    unit, k = c.unit(unit_id), c.manifest.k
    kids = c.children(unit_id)
    ids = [unit_id, *(u.unit_id for u in kids)]
    seg = segment or ("", "")
    people, dists = await counts(pool, c, ids, seg)
    plain = people if segment is None else (await counts(pool, c, ids, ("", "")))[0]
    n = people.get(unit_id, 0)
    above = await hidden_above(pool, c, unit_id, segment)
    if segment is not None:
        check_filter(n, plain.get(unit_id, 0), k)
        _, _, split_hidden = await segment_split(pool, c, unit_id, segment[0], plain.get(unit_id, 0), True)
        if above or segment[1] in split_hidden:
            raise FilterTooNarrow("this group is suppressed in a wider table of the same respondents", k=k)
    own_n = n - sum(people.get(u.unit_id, 0) for u in kids)
    own_plain = plain.get(unit_id, 0) - sum(plain.get(u.unit_id, 0) for u in kids)
    sizes = {u.unit_id: people.get(u.unit_id, 0) for u in kids} | {OWN: own_n}
    plains = {u.unit_id: plain.get(u.unit_id, 0) for u in kids} | {OWN: own_plain}
    shown = n >= k and not above
    hidden = suppressed(sizes, k, plains if segment is not None else None, parent_shown=shown)
    own_dist = minus(dists.get(unit_id, {}), [dists.get(u.unit_id, {}) for u in kids])
    children = [
        cell(c, u.unit_id, u.name, sizes[u.unit_id], dists.get(u.unit_id, {}), u.unit_id in hidden)
        for u in kids
    ]
    if kids:
        children.append(cell(c, OWN, unit.name, own_n, own_dist, OWN in hidden))
    return Results(
        survey_id=c.survey_id,
        cycle=c.cycle,
        unit_id=unit_id,
        k=k,
        score_version=c.score.version,
        segment=list(segment) if segment else None,
        total=cell(c, unit_id, unit.name, n, dists.get(unit_id, {}), not shown),
        children=children,
        segments={} if segment is not None else await by_segment(pool, c, unit_id, n, shown),
    )


async def by_segment(
    pool: asyncpg.Pool, c: Cycle, unit_id: str, n: int, shown: bool
) -> dict[str, list[Cell]]:
    out: dict[str, list[Cell]] = {}
    labels = {q.id: {o.id: o.text.zh for o in q.options} for q in c.definition.questions}
    for q in c.manifest.segment_questions:
        sizes, dists, hidden = await segment_split(pool, c, unit_id, q, n, shown)
        out[q] = [cell(c, o, label, sizes[o], dists[o], o in hidden) for o, label in labels[q].items()]
    return out


async def segment_split(
    pool: asyncpg.Pool, c: Cycle, unit_id: str, q: str, n: int, shown: bool
) -> tuple[dict[str, int], dict[str, Dist], set[str]]:
    """A unit split by one segment question, and which parts disclosure control hides.

    A filtered query for one part is answered only if that part is shown here: otherwise
    the total minus the other shown parts would isolate a small one.
    """
    options = [o.id for o in next(x.options for x in c.definition.questions if x.id == q)]
    people = await respondents(pool, c, [unit_id], q)
    sizes = {o: people.get((unit_id, o), 0) for o in options}
    dists = await split_dists(pool, c, unit_id, q, options)
    above = await parts_hidden_above(pool, c, unit_id, q, [o for o in options if sizes[o]])
    sizes[""] = n - sum(sizes.values())  # no answer to the segment question
    return sizes, dists, suppressed(sizes, c.manifest.k, parent_shown=shown, force=frozenset(above))


async def split_dists(
    pool: asyncpg.Pool, c: Cycle, unit_id: str, q: str, options: list[str]
) -> dict[str, Dist]:
    rows = await pool.fetch(
        """SELECT seg_v, counts FROM satisfaction_by_unit WHERE survey_id = $1
              AND cycle = $2 AND unit_id = $3 AND seg_q = $4""",
        c.survey_id,
        c.cycle,
        unit_id,
        q,
    )
    layout = value_layout(c.definition)
    dists: dict[str, Dist] = {o: {} for o in options}
    for r in rows:
        if r["seg_v"] in dists:
            dists[r["seg_v"]] = unpack(layout, r["counts"])
    return dists
