"""The published form of a survey's current cycle, cached briefly in each process.

Intake validates every answer against it. The cache only saves reads: whether the cycle
still takes answers is checked again in the intake transaction (pool_sql.py), so a close
is never missed, at most a closed survey's answer is validated before being refused.
"""

from __future__ import annotations

import time

import asyncpg
import msgspec

from events.surveys import Definition, PrivacyManifest
from services.problems import NotFound

TTL = 2.0


class Form(msgspec.Struct, frozen=True, kw_only=True):
    survey_id: str
    cycle: int
    status: str
    version_digest: str
    definition: Definition
    manifest: PrivacyManifest
    units: list[tuple[str, str]]  # (unit id, name) a respondent of an open link may choose
    pad_per_char: int = 4  # padding bound of this cycle's sealed answers (validate.sealed_size)


_cache: dict[str, tuple[float, Form]] = {}


async def published_form(pool: asyncpg.Pool, survey_id: str) -> Form:
    hit = _cache.get(survey_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    form = await _load(pool, survey_id)
    _cache[survey_id] = (time.monotonic() + TTL, form)
    return form


def forget(survey_id: str) -> None:
    _cache.pop(survey_id, None)


async def _load(pool: asyncpg.Pool, survey_id: str) -> Form:
    try:
        row = await pool.fetchrow(
            """SELECT s.status, s.cycle, c.version_digest, c.definition::text AS definition,
                      c.manifest::text AS manifest,
                      (SELECT i.pad_bytes_per_char FROM survey_intake i
                        WHERE i.survey_id = s.survey_id AND i.cycle = s.cycle) AS pad
                 FROM survey_catalogue s JOIN survey_cycles c USING (survey_id, cycle)
                WHERE s.survey_id = $1""",
            survey_id,
        )
    except asyncpg.UndefinedTableError:
        row = None
    if row is None:
        raise NotFound()
    units = await pool.fetch(
        "SELECT unit_id, name FROM survey_units WHERE survey_id = $1 AND cycle = $2 ORDER BY path",
        survey_id,
        row["cycle"],
    )
    return Form(
        survey_id=survey_id,
        cycle=row["cycle"],
        status=row["status"],
        version_digest=row["version_digest"],
        definition=msgspec.json.decode(row["definition"], type=Definition),
        manifest=msgspec.json.decode(row["manifest"], type=PrivacyManifest),
        units=[(u["unit_id"], u["name"]) for u in units],
        pad_per_char=row["pad"] or 4,
    )
