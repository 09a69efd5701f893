"""unit_tree: given unit events, then rows (real PostgreSQL)."""

from __future__ import annotations

import asyncpg
import pytest

from events.base import Event
from events.store import EventStore, Expect
from events.units import HeadcountSet, UnitClosed, UnitCreated, UnitMoved, UnitRenamed
from projections.projector import Projector
from projections.unit_tree import UnitTree
from services.units.queries import subtree, unit_tree
from tests.support.helpers import new

pytestmark = pytest.mark.integration


async def project(store: EventStore, projector: Projector, *events: Event) -> None:
    """Append the events (one stream per unit), then apply every handled one in order."""
    for e in events:
        await store.append(f"unit-{getattr(e, 'unit_id', '')}", new(e, actor="admin"), Expect.ANY)
    async with store.pool.acquire() as conn, conn.transaction():
        await projector.create_tables(conn)
        recorded = await store.read_all()
        wanted = projector.handled_types()
        await projector.apply_batch(conn, [r for r in recorded if r.type in wanted])


def created(unit: str, parent: str | None, kind: str = "department", headcount: int = 0) -> UnitCreated:
    return UnitCreated(
        unit_id=unit,
        parent_id=parent,
        name=unit.upper(),
        kind=kind,  # type: ignore[arg-type]
        headcount=headcount,
    )


TREE = [
    created("root", None, "bureau", 10),
    created("school", "root", "school", 20),
    created("dept", "school", headcount=5),
    created("union", "school", "union", 30),
    created("station", "root", "other", 7),
]


async def paths(pool: asyncpg.Pool) -> dict[str, list[str]]:
    return {r["unit_id"]: list(r["path"]) for r in await pool.fetch("SELECT unit_id, path FROM unit_tree")}


async def test_created_units_have_their_path_from_the_root(store: EventStore) -> None:
    await project(store, UnitTree(), *TREE)
    assert await paths(store.pool) == {
        "root": ["root"],
        "school": ["root", "school"],
        "dept": ["root", "school", "dept"],
        "union": ["root", "school", "union"],
        "station": ["root", "station"],
    }


async def test_subtree_and_path_queries_answer_from_rows(store: EventStore) -> None:
    await project(store, UnitTree(), *TREE)
    assert [u.unit_id for u in await subtree(store.pool, "school")] == ["school", "dept", "union"]
    view = await unit_tree(store.pool, "dept")
    assert view is not None
    assert [(p.unit_id, p.name) for p in view.path] == [
        ("root", "ROOT"),
        ("school", "SCHOOL"),
        ("dept", "DEPT"),
    ]
    # a union's members work in the departments already counted: only the unit's own counts
    school = await unit_tree(store.pool, "school")
    assert school is not None and school.subtree_headcount == 25


async def test_moved_unit_takes_its_whole_subtree_along(store: EventStore) -> None:
    await project(
        store, UnitTree(), *TREE, UnitMoved(unit_id="school", parent_id="station", previous_parent_id="root")
    )
    got = await paths(store.pool)
    assert got["school"] == ["root", "station", "school"]
    assert got["dept"] == ["root", "station", "school", "dept"]
    depth = await store.pool.fetchval("SELECT depth FROM unit_tree WHERE unit_id = 'dept'")
    parent = await store.pool.fetchval("SELECT parent_id FROM unit_tree WHERE unit_id = 'school'")
    assert depth == 3 and parent == "station"


async def test_rename_headcount_and_close_update_the_row_and_its_version(store: EventStore) -> None:
    await project(
        store,
        UnitTree(),
        *TREE,
        UnitRenamed(unit_id="dept", name="教务处"),
        HeadcountSet(unit_id="dept", headcount=12),
        UnitClosed(unit_id="dept"),
    )
    row = await store.pool.fetchrow("SELECT * FROM unit_tree WHERE unit_id = 'dept'")
    assert (row["name"], row["headcount"], row["closed"], row["version"]) == ("教务处", 12, True, 4)
    school = await unit_tree(store.pool, "school")
    assert school is not None and school.subtree_headcount == 20  # closed units no longer count
