"""Questions about surveys themselves, answered from the survey_catalogue projection (and,
for one issue of invitation codes, from the code table that holds only their hashes)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import asyncpg
import msgspec

from events.surveys import Definition
from services.problems import NotFound


class SurveyView(msgspec.Struct, frozen=True, kw_only=True):
    survey_id: str
    owner_unit_id: str
    status: str
    cycle: int
    definition: Definition
    score_version: int
    version: int
    version_digest: str | None = None
    manifest: dict[str, Any] | None = None


async def survey_owner(pool: asyncpg.Pool, survey_id: str) -> str:
    try:
        owner = await pool.fetchval(
            "SELECT owner_unit_id FROM survey_catalogue WHERE survey_id = $1", survey_id
        )
    except asyncpg.UndefinedTableError:
        owner = None
    if owner is None:
        raise NotFound()
    return str(owner)


async def survey_catalogue(pool: asyncpg.Pool, survey_id: str) -> SurveyView:
    row = await pool.fetchrow(
        """SELECT s.*, s.definition::text AS def, c.version_digest, c.manifest::text AS man
             FROM survey_catalogue s LEFT JOIN survey_cycles c USING (survey_id, cycle)
            WHERE s.survey_id = $1""",
        survey_id,
    )
    if row is None:
        raise NotFound()
    return _view(row)


def _view(row: asyncpg.Record) -> SurveyView:
    return SurveyView(
        survey_id=row["survey_id"],
        owner_unit_id=row["owner_unit_id"],
        status=row["status"],
        cycle=row["cycle"],
        definition=msgspec.json.decode(row["def"], type=Definition),
        score_version=row["score_version"],
        version=row["version"],
        version_digest=row["version_digest"],
        manifest=msgspec.json.decode(row["man"]) if row["man"] else None,
    )


async def surveys_in(pool: asyncpg.Pool, unit_ids: Iterable[str]) -> list[SurveyView]:
    """Surveys owned by any unit in the subtrees of `unit_ids`."""
    rows = await pool.fetch(
        """SELECT s.*, s.definition::text AS def, c.version_digest, c.manifest::text AS man
             FROM survey_catalogue s LEFT JOIN survey_cycles c USING (survey_id, cycle)
            WHERE s.owner_unit_id IN (SELECT unit_id FROM unit_tree WHERE path && $1::text[])
            ORDER BY s.survey_id""",
        list(unit_ids),
    )
    return [_view(r) for r in rows]


class IssuedCodes(msgspec.Struct, frozen=True):
    cycle: int
    unit_id: str
    count: int


async def issued_codes(pool: asyncpg.Pool, survey_id: str, issue_id: str) -> IssuedCodes:
    row = await pool.fetchrow(
        """SELECT cycle, unit_id, count(*) AS n FROM survey_codes
            WHERE survey_id = $1 AND issue_id = $2 GROUP BY cycle, unit_id""",
        survey_id,
        issue_id,
    )
    if row is None:
        raise NotFound()
    return IssuedCodes(row["cycle"], row["unit_id"], row["n"])
