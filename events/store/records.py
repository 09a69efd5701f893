"""Turning an events row into a RecordedEvent (shared by every read)."""

from __future__ import annotations

from typing import Any

import msgspec

from events import catalogue
from events.base import Checkpoint, Metadata, RecordedEvent

COLUMNS = (
    "position, era, transaction_id::text::bigint AS tx, event_id, stream_id, stream_version, "
    "type, schema_version, data::text AS data, metadata::text AS metadata, recorded_at"
)
_meta = msgspec.json.Decoder(Metadata)


def to_recorded(row: Any) -> RecordedEvent:
    return RecordedEvent(
        position=row["position"],
        checkpoint=Checkpoint(row["era"], row["tx"], row["position"]),
        event_id=row["event_id"],
        stream_id=row["stream_id"],
        stream_version=row["stream_version"],
        type=row["type"],
        event=catalogue.decode(row["type"], row["schema_version"], row["data"]),
        metadata=_meta.decode(row["metadata"]),
        recorded_at=row["recorded_at"],
    )
