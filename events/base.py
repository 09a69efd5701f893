"""The shapes every event shares: the Event base, its metadata, and what the store hands back.

Events are facts. They are frozen, tagged msgspec Structs; the tag (the class name) is the
`type` stored beside the body, and `schema_version` says which shape the body has. Changing
an event's shape means adding fields with defaults, or bumping `schema_version` and
registering an upcaster in `events.catalogue` (stored events are never rewritten).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import msgspec


class Event(msgspec.Struct, frozen=True, kw_only=True, tag=True, tag_field="type"):
    """Base of every event type. Subclasses register themselves in the catalogue."""

    schema_version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        from events.catalogue import register  # late import: catalogue imports this module

        register(cls)

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__


class Metadata(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Who and what caused an event. Never an IP, user agent, code or personal detail."""

    correlation_id: uuid.UUID
    causation_id: uuid.UUID | None = None
    actor: str | None = None  # account id of the staff member acting; None for anonymous


class PendingEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event about to be appended, with the id that makes its append idempotent."""

    event: Event
    event_id: uuid.UUID
    metadata: Metadata


class Checkpoint(msgspec.Struct, frozen=True, order=True, array_like=True):
    """A place in the global order: (era, transaction id, position), compared as a tuple.

    See `events/store/read_all.py` for why the global order is by transaction id first.
    """

    era: int = 0
    tx: int = 0
    pos: int = 0

    def __str__(self) -> str:
        return f"{self.era}.{self.tx}.{self.pos}"


START = Checkpoint(0, 0, 0)


_metadata_decoder = msgspec.json.Decoder(Metadata)


class RecordedEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event as stored: its place in the global order and in its stream."""

    position: int
    checkpoint: Checkpoint
    event_id: uuid.UUID
    stream_id: str
    stream_version: int
    type: str
    event: Event
    metadata_json: str
    recorded_at: datetime

    @property
    def metadata(self) -> Metadata:
        # Decoded on use: most projectors never look, and replay speed is decode-bound.
        return _metadata_decoder.decode(self.metadata_json)


def pending(
    events: list[Event],
    *,
    command_id: uuid.UUID,
    correlation_id: uuid.UUID | None = None,
    causation_id: uuid.UUID | None = None,
    actor: str | None = None,
) -> list[PendingEvent]:
    """Wrap the events one command decided with ids derived from the command id.

    Deriving event ids from the command id is what makes a retried command idempotent:
    the retry produces the same ids, and the store answers with the original positions.
    """
    meta = Metadata(
        correlation_id=correlation_id or command_id,
        causation_id=causation_id or command_id,
        actor=actor,
    )
    return [
        PendingEvent(event=e, event_id=uuid.uuid5(command_id, str(i)), metadata=meta)
        for i, e in enumerate(events)
    ]
