"""What a results query needs to know about one cycle: its definition, manifest, score
definition and snapshot units — read from the survey_catalogue projection."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from events.surveys import Definition, PrivacyManifest
from services.problems import NotFound
from services.surveys.results.scoring import ScoreDefinition


class Unit(msgspec.Struct, frozen=True):
    unit_id: str
    parent_id: str | None
    name: str
    kind: str
    headcount: int
    path: list[str]


class Cycle(msgspec.Struct, frozen=True, kw_only=True):
    survey_id: str
    cycle: int
    definition: Definition
    manifest: PrivacyManifest
    score: ScoreDefinition
    units: dict[str, Unit]

    def unit(self, unit_id: str) -> Unit:
        if unit_id not in self.units:
            raise NotFound("the unit is not part of this survey cycle")
        return self.units[unit_id]

    def children(self, unit_id: str) -> list[Unit]:  # a thousand units: a scan costs ~0.1 ms
        return sorted(
            (u for u in self.units.values() if u.parent_id == unit_id), key=lambda u: (u.name, u.unit_id)
        )

    def kinds(self) -> dict[str, str]:
        return {q.id: q.kind for q in self.definition.questions}


# A published cycle never changes (its definition, manifest and unit snapshot are frozen),
# nor does a score definition version: both are cached per process once read.
_frozen: dict[tuple[str, int], tuple[Definition, PrivacyManifest, dict[str, Unit]]] = {}
_scores: dict[tuple[str, int], ScoreDefinition] = {}
CACHE_LIMIT = 256


async def load_cycle(
    pool: asyncpg.Pool, survey_id: str, cycle: int | None, score: str | int = "cycle"
) -> Cycle:
    """`score`: "cycle" (the definition in force when the cycle was published), "latest", or a version."""
    row = await pool.fetchrow(
        """SELECT c.cycle, c.score_version, s.score_version AS latest
             FROM survey_cycles c JOIN survey_catalogue s USING (survey_id)
            WHERE c.survey_id = $1 AND c.cycle = coalesce($2, s.cycle)""",
        survey_id,
        cycle,
    )
    if row is None:
        raise NotFound("no published cycle")
    version = row["score_version"] if score == "cycle" else row["latest"] if score == "latest" else int(score)
    definition, manifest, units = await _frozen_cycle(pool, survey_id, row["cycle"])
    return Cycle(
        survey_id=survey_id,
        cycle=row["cycle"],
        definition=definition,
        manifest=manifest,
        score=await score_definition(pool, survey_id, version),
        units=units,
    )


async def _frozen_cycle(
    pool: asyncpg.Pool, survey_id: str, cycle: int
) -> tuple[Definition, PrivacyManifest, dict[str, Unit]]:
    found = _frozen.get((survey_id, cycle))
    if found is not None:
        return found
    row = await pool.fetchrow(
        "SELECT definition::text AS d, manifest::text AS m FROM survey_cycles"
        " WHERE survey_id = $1 AND cycle = $2",
        survey_id,
        cycle,
    )
    assert row is not None  # read just after its key
    units = await pool.fetch(
        "SELECT unit_id, parent_id, name, kind, headcount, path FROM survey_units"
        " WHERE survey_id = $1 AND cycle = $2",
        survey_id,
        cycle,
    )
    found = (
        msgspec.json.decode(row["d"], type=Definition),
        msgspec.json.decode(row["m"], type=PrivacyManifest),
        {u["unit_id"]: Unit(*(u[f] for f in Unit.__struct_fields__)) for u in units},
    )
    if len(_frozen) >= CACHE_LIMIT:
        _frozen.clear()
    _frozen[(survey_id, cycle)] = found
    return found


async def score_definition(pool: asyncpg.Pool, survey_id: str, version: int) -> ScoreDefinition:
    cached = _scores.get((survey_id, version))
    if cached is not None:
        return cached
    body: Any = await pool.fetchval(
        "SELECT body::text FROM survey_score_definitions WHERE survey_id = $1 AND version = $2",
        survey_id,
        version,
    )
    if body is None:
        raise NotFound(f"no score definition version {version}")
    if len(_scores) >= CACHE_LIMIT:
        _scores.clear()
    found = _scores[(survey_id, version)] = msgspec.json.decode(body, type=ScoreDefinition)
    return found
