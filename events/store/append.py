"""append(stream, events, expected): one SQL round trip through `qs_append` (sql/0001_store.sql).

Checks done here before PostgreSQL is asked: the size cap per event. Checks done in the
function, under a per-stream transaction lock: idempotent replay by event id, the expected
version, and the per-stream order guard (see read_all.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import msgspec

from events import catalogue
from events.base import PendingEvent
from events.store.errors import EventIdReused, EventTooLarge, WrongExpectedVersion
from events.store.expected import Expect, ExpectedVersion, describe

MAX_EVENT_BYTES = 256 * 1024
_meta_encoder = msgspec.json.Encoder()


class AppendResult(msgspec.Struct, frozen=True):
    positions: list[int]
    last_version: int
    replayed: bool  # True when this was a repeat of an append already stored


class StreamOrderConflict(Exception):
    """The caller's transaction took its id before the one that wrote the stream's last event.

    Appending now would put this stream's events out of version order for readers that
    follow transaction ids. Retrying in a fresh transaction always succeeds or conflicts
    properly; `EventStore.append` does that retry itself.
    """


_SQL = "SELECT out_position, out_version, replayed FROM qs_append($1, $2, $3, $4, $5, $6, $7)"


async def append(
    conn: asyncpg.Connection,
    stream_id: str,
    events: Sequence[PendingEvent],
    expected: ExpectedVersion,
    *,
    max_event_bytes: int = MAX_EVENT_BYTES,
) -> AppendResult:
    if not events:
        raise ValueError("append needs at least one event")
    bodies = []
    for p in events:
        body = catalogue.encode(p.event).decode()
        if len(body) > max_event_bytes:
            raise EventTooLarge(p.event.type_name(), len(body), max_event_bytes)
        bodies.append(body)
    try:
        rows = await conn.fetch(
            _SQL,
            stream_id,
            int(expected),
            [p.event_id for p in events],
            [p.event.type_name() for p in events],
            [p.event.schema_version for p in events],
            bodies,
            [_meta_encoder.encode(p.metadata).decode() for p in events],
        )
    except asyncpg.PostgresError as exc:
        raise _translate(exc, stream_id, expected) from None
    rows.sort(key=lambda r: r["out_version"])
    return AppendResult(
        positions=[r["out_position"] for r in rows],
        last_version=rows[-1]["out_version"],
        replayed=bool(rows[0]["replayed"]),
    )


def _translate(exc: asyncpg.PostgresError, stream_id: str, expected: ExpectedVersion) -> Exception:
    code = getattr(exc, "sqlstate", None)
    if code == "QS001":
        actual = int(getattr(exc, "detail", 0) or 0)
        return WrongExpectedVersion(stream_id, describe(expected), actual)
    if code == "QS002":
        return StreamOrderConflict(stream_id)
    if code == "QS003" or (
        isinstance(exc, asyncpg.UniqueViolationError)
        and getattr(exc, "constraint_name", "") == "events_event_id_key"
    ):
        return EventIdReused(str(exc))
    return exc


__all__ = ["AppendResult", "Expect", "StreamOrderConflict", "append"]
