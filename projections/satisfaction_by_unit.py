"""satisfaction_by_unit: per survey × cycle × unit × segment, how many respondents there
are and how many chose each value of each question, rolled up the cycle's unit snapshot.

Each answer counts in its own unit and in every ancestor up to the survey's owner, so a
unit's row is its whole subtree and reading a unit with its children is a handful of rows
however many answers there are. Segment ('', '') is "everyone"; (question, option) is the
respondents who chose that option of a segment question. `respondents` is what disclosure
control compares with k; `counts` holds one number per (question, value) in the order of
`value_layout(definition)` — one row per cell rather than one per value, which is what
keeps a release of thousands of answers spread over a thousand units to a few thousand
row updates. Scores are not stored: they are computed at query time from the counts under
a score definition, so a past cycle can be recomputed under a newer one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import msgspec

from events.answers import AnswerRecorded
from events.base import Event, RecordedEvent
from events.store.db import Db
from events.surveys import Definition, SurveyPublished
from projections.projector import Projector

LIKERT_VALUES = ("satisfied", "basically_satisfied", "dissatisfied", "unknown")
Key = tuple[str, int, str, str, str]  # survey, cycle, unit, segment question, segment option


class Cycle(msgspec.Struct, frozen=True):
    paths: dict[str, tuple[str, ...]]
    segments: tuple[str, ...]
    layout: tuple[tuple[str, str], ...]


def value_layout(definition: Definition) -> tuple[tuple[str, str], ...]:
    """Every (question, value) a published version can count, in a fixed order."""
    out: list[tuple[str, str]] = []
    for q in definition.questions:
        values: Sequence[str] = ()
        match q.kind:
            case "likert":
                values = LIKERT_VALUES
            case "rating5":
                values = [str(v) for v in range(1, 6)]
            case "recommend10":
                values = [str(v) for v in range(11)]
            case "single" | "multiple":
                values = [o.id for o in q.options]
        out += [(q.id, v) for v in values]
    return tuple(out)


class SatisfactionByUnit(Projector):
    name: ClassVar[str] = "satisfaction_by_unit"
    handles: ClassVar[frozenset[type[Event]]] = frozenset({SurveyPublished, AnswerRecorded})
    tables: ClassVar[tuple[str, ...]] = ("satisfaction_by_unit", "satisfaction_cycles")
    ddl: ClassVar[str] = """
        CREATE TABLE IF NOT EXISTS satisfaction_by_unit (
            survey_id text NOT NULL, cycle integer NOT NULL, unit_id text NOT NULL,
            seg_q text NOT NULL, seg_v text NOT NULL,
            respondents bigint NOT NULL, counts bigint[] NOT NULL,
            PRIMARY KEY (survey_id, cycle, unit_id, seg_q, seg_v)
        );
        CREATE TABLE IF NOT EXISTS satisfaction_cycles (
            survey_id text NOT NULL, cycle integer NOT NULL, body jsonb NOT NULL,
            PRIMARY KEY (survey_id, cycle)
        );
    """

    async def apply_batch(self, conn: Db, events: Sequence[RecordedEvent]) -> None:
        cycles: dict[tuple[str, int], tuple[Cycle, dict[tuple[str, str], int]]] = {}
        cells: dict[Key, list[int]] = {}
        for recorded in events:
            e = recorded.event
            if isinstance(e, SurveyPublished):
                cycles[(e.survey_id, e.cycle)] = _indexed(await _remember(conn, e))
            elif isinstance(e, AnswerRecorded):
                key = (e.survey_id, e.cycle)
                if key not in cycles:
                    cycles[key] = _indexed(await _load(conn, *key))
                _count(e, *cycles[key], cells)
        await _flush(conn, cells)


def _indexed(c: Cycle) -> tuple[Cycle, dict[tuple[str, str], int]]:
    return c, {qv: i for i, qv in enumerate(c.layout)}


def _count(
    e: AnswerRecorded, c: Cycle, index: dict[tuple[str, str], int], cells: dict[Key, list[int]]
) -> None:
    hits = [
        index[(q, str(one))]
        for q, v in e.values.items()
        for one in (v if isinstance(v, list) else (v,))
        if (q, str(one)) in index
    ]
    segs = [("", "")] + [(q, v) for q in c.segments if isinstance(v := e.values.get(q), str)]
    for unit in c.paths.get(e.unit_id, (e.unit_id,)):
        for sq, sv in segs:
            cell = cells.get((e.survey_id, e.cycle, unit, sq, sv))
            if cell is None:
                cell = cells[(e.survey_id, e.cycle, unit, sq, sv)] = [0] * (len(c.layout) + 1)
            cell[0] += 1  # respondents
            for i in hits:
                cell[i + 1] += 1


async def _remember(conn: Db, e: SurveyPublished) -> Cycle:
    c = Cycle(
        paths={u.unit_id: u.path for u in e.units},
        segments=e.manifest.segment_questions,
        layout=value_layout(e.definition),
    )
    await conn.execute(
        "INSERT INTO satisfaction_cycles VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        e.survey_id,
        e.cycle,
        msgspec.json.encode(c).decode(),
    )
    return c


async def _load(conn: Db, survey_id: str, cycle: int) -> Cycle:
    body = await conn.fetchval(
        "SELECT body::text FROM satisfaction_cycles WHERE survey_id = $1 AND cycle = $2", survey_id, cycle
    )
    if body is None:  # answers without a publication can't happen; count them flat
        return Cycle(paths={}, segments=(), layout=())
    return msgspec.json.decode(body, type=Cycle)


async def _flush(conn: Db, cells: dict[Key, list[int]]) -> None:
    if not cells:
        return
    keys = sorted(cells)  # a fixed order: concurrent writers (a rebuild's swap) lock alike
    await conn.execute(
        """INSERT INTO satisfaction_by_unit AS t
           SELECT s, c, u, sq, sv, n, v::bigint[]
             FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])
                  AS x(s, c, u, sq, sv, n, v)
           ON CONFLICT (survey_id, cycle, unit_id, seg_q, seg_v) DO UPDATE
           SET respondents = t.respondents + excluded.respondents,
               counts = (SELECT array_agg(a + b ORDER BY i)
                           FROM unnest(t.counts, excluded.counts) WITH ORDINALITY AS z(a, b, i))""",
        [k[0] for k in keys],
        [k[1] for k in keys],
        [k[2] for k in keys],
        [k[3] for k in keys],
        [k[4] for k in keys],
        [cells[k][0] for k in keys],
        ["{" + ",".join(map(str, cells[k][1:])) + "}" for k in keys],
    )
