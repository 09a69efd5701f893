"""Small builders shared by the tests."""

from __future__ import annotations

import uuid

from events.base import Event, Metadata, PendingEvent


def new(*events: Event, actor: str | None = None) -> list[PendingEvent]:
    corr = uuid.uuid4()
    return [
        PendingEvent(event=e, event_id=uuid.uuid4(), metadata=Metadata(correlation_id=corr, actor=actor))
        for e in events
    ]
