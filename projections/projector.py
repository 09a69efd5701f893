"""What a projector is: a name, the event types it handles, its tables and `apply`.

A projector's tables are created from `ddl`, written with unqualified table names: the live
runner resolves them in `public`, a rebuild resolves them in a fresh schema first (see
rebuild.py), so the same code fills both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from events.base import Event, RecordedEvent
from events.store.db import Db


class Projector:
    name: ClassVar[str]
    # Bump when the tables or the rules change: the owning runner then rebuilds the
    # projector from position 0 (swapped in while the service runs) before following.
    version: ClassVar[int] = 1
    handles: ClassVar[frozenset[type[Event]]]
    tables: ClassVar[tuple[str, ...]]
    ddl: ClassVar[str]

    @classmethod
    def handled_types(cls) -> frozenset[str]:
        return frozenset(t.type_name() for t in cls.handles)

    async def apply(self, conn: Db, event: RecordedEvent) -> None:
        raise NotImplementedError

    async def apply_batch(self, conn: Db, events: Sequence[RecordedEvent]) -> None:
        """Apply a batch in order. Override to write a batch with fewer statements."""
        for e in events:
            await self.apply(conn, e)

    async def create_tables(self, conn: Db) -> None:
        await conn.execute(self.ddl)
