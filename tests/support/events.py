"""Event types and projectors used only by the core's tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import asyncpg

from events.base import Event, RecordedEvent
from projections.projector import Projector


class Happened(Event, frozen=True):
    n: int
    note: str = ""


class Renamed(Event, frozen=True):
    name: str


class SeenEvents(Projector):
    """Records every event it applies, without a unique key, so duplicates would show."""

    handles = frozenset({Happened, Renamed})
    tables = ("seen_events",)

    def __init__(self, name: str = "seen_events", delay: float = 0.0, owner: str = "") -> None:
        self.name = name  # type: ignore[misc]
        self.tables = (name,)  # type: ignore[misc]
        self.ddl = (  # type: ignore[misc]
            f"CREATE TABLE IF NOT EXISTS {name} (seq bigint GENERATED ALWAYS AS IDENTITY,"
            f" event_id uuid NOT NULL, position bigint NOT NULL,"
            f" stream_id text NOT NULL, stream_version bigint NOT NULL, owner text NOT NULL)"
        )
        self.delay = delay
        self.owner = owner

    async def apply_batch(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        await conn.executemany(
            f"INSERT INTO {self.name} (event_id, position, stream_id, stream_version, owner)"
            " VALUES ($1, $2, $3, $4, $5)",
            [(e.event_id, e.position, e.stream_id, e.stream_version, self.owner) for e in events],
        )
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)


class TotalByStream(Projector):
    """A counting projection: the sum of Happened.n per stream."""

    name: ClassVar[str] = "total_by_stream"
    handles = frozenset({Happened})
    tables = ("total_by_stream",)
    ddl = (
        "CREATE TABLE IF NOT EXISTS total_by_stream"
        " (stream_id text PRIMARY KEY, total bigint NOT NULL, events bigint NOT NULL)"
    )

    async def apply(self, conn: asyncpg.Connection, event: RecordedEvent) -> None:
        assert isinstance(event.event, Happened)
        await conn.execute(
            """INSERT INTO total_by_stream VALUES ($1, $2, 1) ON CONFLICT (stream_id)
               DO UPDATE SET total = total_by_stream.total + $2, events = total_by_stream.events + 1""",
            event.stream_id,
            event.event.n,
        )


class SlowTotal(TotalByStream):
    """The counting projection, slowed down so a kill lands in the middle of a batch."""

    async def apply(self, conn: asyncpg.Connection, event: RecordedEvent) -> None:
        import asyncio

        await super().apply(conn, event)
        await asyncio.sleep(0.002)
