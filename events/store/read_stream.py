"""read_stream(stream): one stream's events in version order, for folding into state."""

from __future__ import annotations

from events.base import RecordedEvent
from events.store.db import Queryable
from events.store.records import COLUMNS, to_recorded

_SQL = f"""
SELECT {COLUMNS} FROM events
 WHERE stream_id = $1 AND stream_version > $2
 ORDER BY stream_version
"""


async def read_stream(conn: Queryable, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
    rows = await conn.fetch(_SQL, stream_id, after_version)
    return [to_recorded(r) for r in rows]


async def stream_version(conn: Queryable, stream_id: str) -> int:
    v = await conn.fetchval(
        "SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = $1", stream_id
    )
    return int(v)
