"""satisfaction_by_unit: how many respondents chose each value of each question, per
survey × cycle × unit × segment, rolled up the cycle's unit-tree snapshot.

Each answer counts in its own unit and in every ancestor up to the survey's owner, so a
unit's row is its whole subtree and reading a unit with its children is a handful of rows
however many answers there are. Segment ('', '') is "everyone"; (question, option) is the
respondents who chose that option of a segment question. `satisfaction_respondents` counts
respondents per cell, which is what disclosure control compares with k. Scores are not
stored: they are computed at query time from the counts under a score definition, so a
past cycle can be recomputed under a newer one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

import msgspec

from events.answers import AnswerRecorded
from events.base import Event, RecordedEvent
from events.store.db import Db
from events.surveys import SurveyPublished
from projections.projector import Projector

Meta = tuple[dict[str, tuple[str, ...]], tuple[str, ...], frozenset[str]]  # paths, segments, counted


class SatisfactionByUnit(Projector):
    name: ClassVar[str] = "satisfaction_by_unit"
    handles: ClassVar[frozenset[type[Event]]] = frozenset({SurveyPublished, AnswerRecorded})
    tables: ClassVar[tuple[str, ...]] = (
        "satisfaction_by_unit",
        "satisfaction_respondents",
        "satisfaction_cycles",
    )
    ddl: ClassVar[str] = """
        CREATE TABLE IF NOT EXISTS satisfaction_by_unit (
            survey_id text NOT NULL, cycle integer NOT NULL, unit_id text NOT NULL,
            seg_q text NOT NULL, seg_v text NOT NULL, question_id text NOT NULL, value text NOT NULL,
            n bigint NOT NULL,
            PRIMARY KEY (survey_id, cycle, unit_id, seg_q, seg_v, question_id, value)
        );
        CREATE TABLE IF NOT EXISTS satisfaction_respondents (
            survey_id text NOT NULL, cycle integer NOT NULL, unit_id text NOT NULL,
            seg_q text NOT NULL, seg_v text NOT NULL, n bigint NOT NULL,
            PRIMARY KEY (survey_id, cycle, unit_id, seg_q, seg_v)
        );
        CREATE TABLE IF NOT EXISTS satisfaction_cycles (
            survey_id text NOT NULL, cycle integer NOT NULL, paths jsonb NOT NULL,
            segments text[] NOT NULL, counted text[] NOT NULL,
            PRIMARY KEY (survey_id, cycle)
        );
    """

    async def apply_batch(self, conn: Db, events: Sequence[RecordedEvent]) -> None:
        metas: dict[tuple[str, int], Meta] = {}
        counts: Counter[tuple[str, int, str, str, str, str, str]] = Counter()
        people: Counter[tuple[str, int, str, str, str]] = Counter()
        for recorded in events:
            e = recorded.event
            if isinstance(e, SurveyPublished):
                metas[(e.survey_id, e.cycle)] = await _remember_cycle(conn, e)
            elif isinstance(e, AnswerRecorded):
                key = (e.survey_id, e.cycle)
                if key not in metas:
                    metas[key] = await _load_cycle(conn, *key)
                _count(e, metas[key], counts, people)
        await _flush(conn, counts, people)


def _count(e: AnswerRecorded, meta: Meta, counts: Counter, people: Counter) -> None:  # type: ignore[type-arg]
    paths, segments, counted = meta
    segs = [("", "")] + [(q, v) for q in segments if isinstance(v := e.values.get(q), str)]
    values = [(q, v) for q, v in e.values.items() if q in counted]
    for unit in paths.get(e.unit_id, (e.unit_id,)):
        for sq, sv in segs:
            people[(e.survey_id, e.cycle, unit, sq, sv)] += 1
            for q, v in values:
                for one in v if isinstance(v, list) else (v,):
                    counts[(e.survey_id, e.cycle, unit, sq, sv, q, str(one))] += 1


async def _remember_cycle(conn: Db, e: SurveyPublished) -> Meta:
    paths = {u.unit_id: u.path for u in e.units}
    counted = [q.id for q in e.definition.questions if q.kind != "text"]
    segments = list(e.manifest.segment_questions)
    await conn.execute(
        "INSERT INTO satisfaction_cycles VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        e.survey_id,
        e.cycle,
        msgspec.json.encode(paths).decode(),
        segments,
        counted,
    )
    return paths, tuple(segments), frozenset(counted)


async def _load_cycle(conn: Db, survey_id: str, cycle: int) -> Meta:
    row = await conn.fetchrow(
        "SELECT paths::text AS paths, segments, counted FROM satisfaction_cycles"
        " WHERE survey_id = $1 AND cycle = $2",
        survey_id,
        cycle,
    )
    if row is None:  # answers without a publication can't happen; count them flat
        return {}, (), frozenset()
    paths = {k: tuple(v) for k, v in msgspec.json.decode(row["paths"]).items()}
    return paths, tuple(row["segments"]), frozenset(row["counted"])


async def _flush(conn: Db, counts: Counter, people: Counter) -> None:  # type: ignore[type-arg]
    if counts:
        cols = list(zip(*[(*k, n) for k, n in counts.items()], strict=True))
        await conn.execute(
            """INSERT INTO satisfaction_by_unit
               SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[],
                                    $6::text[], $7::text[], $8::bigint[])
               ON CONFLICT (survey_id, cycle, unit_id, seg_q, seg_v, question_id, value)
               DO UPDATE SET n = satisfaction_by_unit.n + excluded.n""",
            *[list(c) for c in cols],
        )
    if people:
        cols = list(zip(*[(*k, n) for k, n in people.items()], strict=True))
        await conn.execute(
            """INSERT INTO satisfaction_respondents
               SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[])
               ON CONFLICT (survey_id, cycle, unit_id, seg_q, seg_v)
               DO UPDATE SET n = satisfaction_respondents.n + excluded.n""",
            *[list(c) for c in cols],
        )
