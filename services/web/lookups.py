"""Small read-only lookups pages need for menus (unit pickers), from the unit_tree projection."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg
import msgspec


class UnitChoice(msgspec.Struct, frozen=True):
    unit_id: str
    name: str
    depth: int


async def open_units(pool: asyncpg.Pool, within: Iterable[str] | None = None) -> list[UnitChoice]:
    """Open units in tree order (all of them, or those in the subtrees of `within`)."""
    scope = None if within is None else list(within)
    rows = await pool.fetch(
        """SELECT unit_id, name, depth FROM unit_tree
            WHERE NOT closed AND ($1::text[] IS NULL OR path && $1::text[]) ORDER BY path""",
        scope,
    )
    return [UnitChoice(r["unit_id"], r["name"], r["depth"]) for r in rows]


async def unit_names(pool: asyncpg.Pool, unit_ids: Iterable[str]) -> dict[str, str]:
    rows = await pool.fetch("SELECT unit_id, name FROM unit_tree WHERE unit_id = ANY($1)", list(unit_ids))
    return {r["unit_id"]: r["name"] for r in rows}


class Issue(msgspec.Struct, frozen=True):
    issue_id: str
    unit_id: str
    count: int
    redeemed: int


async def issues_of(pool: asyncpg.Pool, survey_id: str, cycle: int) -> list[Issue]:
    """Invitation issues of a cycle, from the code table (which holds only keyed hashes)."""
    rows = await pool.fetch(
        """SELECT issue_id, unit_id, count(*) AS n, count(*) FILTER (WHERE redeemed) AS used
             FROM survey_codes WHERE survey_id = $1 AND cycle = $2
            GROUP BY issue_id, unit_id ORDER BY unit_id, issue_id""",
        survey_id,
        cycle,
    )
    return [Issue(r["issue_id"], r["unit_id"], r["n"], r["used"]) for r in rows]
