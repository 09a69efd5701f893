"""Turning an events row into a RecordedEvent (shared by every read)."""

from __future__ import annotations

from typing import Any

from events import catalogue
from events.base import Checkpoint, RecordedEvent

# The column order is relied on below: rows are read by index, which is measurably faster
# than by name when a replay decodes a million of them.
COLUMNS = (
    "position, era, transaction_id::text::bigint AS tx, event_id, stream_id, stream_version, "
    "type, schema_version, data::text AS data, metadata::text AS metadata, recorded_at"
)


EVENT_ID, STREAM, VERSION, TYPE = 3, 4, 5, 6  # indexes of those columns


def to_recorded(row: Any) -> RecordedEvent:
    position, era, tx, event_id, stream_id, version, type_name, schema, data, meta, at = row
    return RecordedEvent(
        position=position,
        checkpoint=Checkpoint(era, tx, position),
        event_id=event_id,
        stream_id=stream_id,
        stream_version=version,
        type=type_name,
        event=catalogue.decode(type_name, schema, data),
        metadata_json=meta,
        recorded_at=at,
    )
