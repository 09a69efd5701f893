"""survey_catalogue: every survey with its current definition and status, its published
cycles (version hash, privacy manifest, the unit-tree snapshot) and its score definitions.

Answers "what does this survey ask, is it open, what was promised, and through which
units does a cycle roll up". `survey_units.path` starts at the survey's owner unit.
"""

from __future__ import annotations

from typing import ClassVar

import msgspec

from events.base import Event, RecordedEvent
from events.store.db import Db
from events.surveys import (
    ScoreDefinitionChanged,
    SurveyClosed,
    SurveyDrafted,
    SurveyPublished,
    SurveyRevised,
)
from projections.projector import Projector

_json = msgspec.json.Encoder()


class SurveyCatalogue(Projector):
    name: ClassVar[str] = "survey_catalogue"
    handles: ClassVar[frozenset[type[Event]]] = frozenset(
        {SurveyDrafted, SurveyRevised, SurveyPublished, SurveyClosed, ScoreDefinitionChanged}
    )
    tables: ClassVar[tuple[str, ...]] = (
        "survey_catalogue",
        "survey_cycles",
        "survey_units",
        "survey_score_definitions",
    )
    ddl: ClassVar[str] = """
        CREATE TABLE IF NOT EXISTS survey_catalogue (
            survey_id      text PRIMARY KEY,
            owner_unit_id  text NOT NULL,
            status         text NOT NULL,
            cycle          integer NOT NULL DEFAULT 0,
            definition     jsonb NOT NULL,
            score_version  integer NOT NULL DEFAULT 0,
            version        bigint NOT NULL
        );
        CREATE INDEX IF NOT EXISTS survey_catalogue_owner ON survey_catalogue (owner_unit_id);
        CREATE TABLE IF NOT EXISTS survey_cycles (
            survey_id      text NOT NULL,
            cycle          integer NOT NULL,
            version_digest   text NOT NULL,
            definition     jsonb NOT NULL,
            manifest       jsonb NOT NULL,
            published_at   timestamptz NOT NULL,
            closed_at      timestamptz,
            score_version  integer NOT NULL,
            PRIMARY KEY (survey_id, cycle)
        );
        CREATE TABLE IF NOT EXISTS survey_units (
            survey_id  text NOT NULL,
            cycle      integer NOT NULL,
            unit_id    text NOT NULL,
            parent_id  text,
            name       text NOT NULL,
            kind       text NOT NULL,
            headcount  integer NOT NULL,
            path       text[] NOT NULL,
            PRIMARY KEY (survey_id, cycle, unit_id)
        );
        CREATE INDEX IF NOT EXISTS survey_units_parent ON survey_units (survey_id, cycle, parent_id);
        CREATE TABLE IF NOT EXISTS survey_score_definitions (
            survey_id  text NOT NULL,
            version    integer NOT NULL,
            body       jsonb NOT NULL,
            PRIMARY KEY (survey_id, version)
        );
    """

    async def apply(self, conn: Db, event: RecordedEvent) -> None:
        e, v = event.event, event.stream_version
        match e:
            case SurveyDrafted():
                await conn.execute(
                    "INSERT INTO survey_catalogue VALUES ($1, $2, 'draft', 0, $3, 0, $4)"
                    " ON CONFLICT (survey_id) DO NOTHING",
                    e.survey_id,
                    e.owner_unit_id,
                    _json.encode(e.definition).decode(),
                    v,
                )
            case SurveyRevised():
                await _set(conn, e.survey_id, v, "definition = $3", _json.encode(e.definition).decode())
            case SurveyPublished():
                await _published(conn, e, v)
            case SurveyClosed():
                await _set(conn, e.survey_id, v, "status = 'closed'")
                await conn.execute(
                    "UPDATE survey_cycles SET closed_at = $3 WHERE survey_id = $1 AND cycle = $2",
                    e.survey_id,
                    e.cycle,
                    e.closed_at,
                )
            case ScoreDefinitionChanged():
                await _set(conn, e.survey_id, v, "score_version = $3", e.version)
                await conn.execute(
                    "INSERT INTO survey_score_definitions VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    e.survey_id,
                    e.version,
                    _json.encode(e).decode(),
                )


async def _set(conn: Db, survey_id: str, version: int, assignment: str, *args: object) -> None:
    await conn.execute(
        f"UPDATE survey_catalogue SET {assignment}, version = $2 WHERE survey_id = $1",
        survey_id,
        version,
        *args,
    )


async def _published(conn: Db, e: SurveyPublished, v: int) -> None:
    await _set(conn, e.survey_id, v, "status = 'published', cycle = $3", e.cycle)
    await conn.execute(
        """INSERT INTO survey_cycles VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)
           ON CONFLICT DO NOTHING""",
        e.survey_id,
        e.cycle,
        e.version_digest,
        _json.encode(e.definition).decode(),
        _json.encode(e.manifest).decode(),
        e.published_at,
        e.score_version,
    )
    await conn.executemany(
        "INSERT INTO survey_units VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        [
            (e.survey_id, e.cycle, u.unit_id, u.parent_id, u.name, u.kind, u.headcount, list(u.path))
            for u in e.units
        ],
    )
