"""Questions about the unit tree, answered from the `unit_tree` projection only."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg
import msgspec


class UnitRow(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: str
    parent_id: str | None
    name: str
    kind: str
    headcount: int
    closed: bool
    depth: int
    version: int


class PathStep(msgspec.Struct, frozen=True):
    unit_id: str
    name: str


class UnitView(msgspec.Struct, frozen=True, kw_only=True):
    unit: UnitRow
    path: list[PathStep]  # from the root down to the unit itself
    # The unit and every open unit below it, except union, league and women's committee
    # units below it: their members already count in the units where they work.
    subtree_headcount: int


_COLUMNS = "unit_id, parent_id, name, kind, headcount, closed, depth, version"


def _row(r: asyncpg.Record) -> UnitRow:
    return UnitRow(**{k: r[k] for k in _COLUMNS.split(", ")})


async def unit_tree(pool: asyncpg.Pool, unit_id: str) -> UnitView | None:
    """One unit, the path from the root to it, and its subtree's headcount."""
    r = await pool.fetchrow(
        f"""SELECT {_COLUMNS}, path,
                   (SELECT coalesce(sum(headcount), 0) FROM unit_tree s
                     WHERE s.path @> ARRAY[u.unit_id] AND NOT s.closed
                       AND (s.unit_id = u.unit_id OR s.kind NOT IN ('union', 'league', 'women'))
                   ) AS subtree_headcount
              FROM unit_tree u WHERE unit_id = $1""",
        unit_id,
    )
    if r is None:
        return None
    names = await pool.fetch("SELECT unit_id, name FROM unit_tree WHERE unit_id = ANY($1)", list(r["path"]))
    by_id = {n["unit_id"]: n["name"] for n in names}
    path = [PathStep(u, by_id.get(u, "")) for u in r["path"]]
    return UnitView(unit=_row(r), path=path, subtree_headcount=r["subtree_headcount"])


async def subtree(pool: asyncpg.Pool, unit_id: str) -> list[UnitRow]:
    """The unit and everything below it, parents before children."""
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM unit_tree WHERE path @> ARRAY[$1] ORDER BY depth, name, unit_id",
        unit_id,
    )
    return [_row(r) for r in rows]


async def units(pool: asyncpg.Pool, unit_ids: Iterable[str]) -> list[UnitRow]:
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM unit_tree WHERE unit_id = ANY($1) ORDER BY depth, name, unit_id",
        list(unit_ids),
    )
    return [_row(r) for r in rows]
