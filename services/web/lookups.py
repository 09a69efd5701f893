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
