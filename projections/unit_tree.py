"""unit_tree: every unit with its materialised path, answering "subtree of X" and "path to X".

`path` holds the unit ids from the root down to the unit itself. The subtree of X is every
row whose path contains X (`path @> ARRAY[X]`, served by the GIN index); the path to X is
X's own row. A move rewrites the path prefix of the moved unit's whole subtree in one
statement, which is cheap because trees of units are small and moves are rare.
"""

from __future__ import annotations

from typing import ClassVar

from events.base import Event, RecordedEvent
from events.store.db import Db
from events.units import HeadcountSet, UnitClosed, UnitCreated, UnitMoved, UnitRenamed
from projections.projector import Projector


class UnitTree(Projector):
    name: ClassVar[str] = "unit_tree"
    handles: ClassVar[frozenset[type[Event]]] = frozenset(
        {UnitCreated, UnitRenamed, UnitMoved, HeadcountSet, UnitClosed}
    )
    tables: ClassVar[tuple[str, ...]] = ("unit_tree",)
    ddl: ClassVar[str] = """
        CREATE TABLE IF NOT EXISTS unit_tree (
            unit_id    text PRIMARY KEY,
            parent_id  text,
            name       text NOT NULL,
            kind       text NOT NULL,
            headcount  integer NOT NULL,
            closed     boolean NOT NULL DEFAULT false,
            path       text[] NOT NULL,
            depth      integer NOT NULL,
            version    bigint NOT NULL
        );
        CREATE INDEX IF NOT EXISTS unit_tree_path ON unit_tree USING gin (path);
        CREATE INDEX IF NOT EXISTS unit_tree_parent ON unit_tree (parent_id);
    """

    async def apply(self, conn: Db, event: RecordedEvent) -> None:
        e, v = event.event, event.stream_version
        match e:
            case UnitCreated():
                await conn.execute(
                    """INSERT INTO unit_tree
                       SELECT $1, $2, $3, $4, $5, false, p.path || $1::text, cardinality(p.path), $6
                         FROM (SELECT coalesce((SELECT path FROM unit_tree WHERE unit_id = $2),
                                               '{}'::text[]) AS path) p
                       ON CONFLICT (unit_id) DO NOTHING""",
                    e.unit_id,
                    e.parent_id,
                    e.name,
                    e.kind,
                    e.headcount,
                    v,
                )
            case UnitRenamed():
                await _set(conn, e.unit_id, v, "name = $3", e.name)
            case HeadcountSet():
                await _set(conn, e.unit_id, v, "headcount = $3", e.headcount)
            case UnitClosed():
                await _set(conn, e.unit_id, v, "closed = true")
            case UnitMoved():
                await _move(conn, e, v)


async def _set(conn: Db, unit_id: str, version: int, assignment: str, *args: object) -> None:
    await conn.execute(
        f"UPDATE unit_tree SET {assignment}, version = $2 WHERE unit_id = $1",
        unit_id,
        version,
        *args,
    )


async def _move(conn: Db, e: UnitMoved, version: int) -> None:
    prefix = await conn.fetchval("SELECT path FROM unit_tree WHERE unit_id = $1", e.parent_id)
    # Every row under the moved unit keeps its tail from the moved unit down and takes the
    # new parent's path as its head.
    await conn.execute(
        """UPDATE unit_tree
              SET path = $2::text[] || path[array_position(path, $1):],
                  depth = cardinality($2::text[]) + cardinality(path) - array_position(path, $1)
            WHERE path @> ARRAY[$1]""",
        e.unit_id,
        list(prefix or []),
    )
    await _set(conn, e.unit_id, version, "parent_id = $3", e.parent_id)
