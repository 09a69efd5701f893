"""A case's timeline from its own stream: the same steps as the case_timeline projection
(one visibility rule, `projections.case_timeline.visibility`), but always current.

The case views read the stream anyway to fold the state; taking the timeline from the same
read means a step's answer shows the step just taken without waiting for a projection, and
any later view shows it too, whoever asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import msgspec

from events.base import Event, RecordedEvent
from events.cases import LIFECYCLE
from projections.case_timeline import visibility
from services.cases.queries import TimelineStep


class Entry(NamedTuple):
    """One event of a case's stream, with what the timeline shows of it."""

    version: int
    type: str
    actor: str | None
    event: Event


def recorded(events: Iterable[RecordedEvent]) -> list[Entry]:
    return [Entry(r.stream_version, r.type, r.metadata.actor, r.event) for r in events]


def appended(after_version: int, events: Iterable[Event], actor: str | None) -> list[Entry]:
    """Entries for events a command has just appended after `after_version`."""
    return [Entry(after_version + i, e.type_name(), actor, e) for i, e in enumerate(events, start=1)]


def timeline(entries: Iterable[Entry], *, public_only: bool, viewer: str | None = None) -> list[TimelineStep]:
    """Public steps for the requester (no actor); staff also see internal steps and their
    own personal notes."""
    steps = []
    for entry in entries:
        if type(entry.event) not in LIFECYCLE:  # what the projection handles
            continue
        seen = visibility(entry.event)
        own_note = seen == "note" and viewer is not None and entry.actor == viewer
        if seen == "public" or (not public_only and (seen == "internal" or own_note)):
            steps.append(
                TimelineStep(
                    version=entry.version,
                    at=entry.event.at,  # type: ignore[attr-defined]
                    type=entry.type,
                    visibility=seen,
                    actor=None if public_only else entry.actor,
                    body=_body(entry.event),
                )
            )
    return steps


def _body(e: Event) -> dict[str, Any]:
    body: dict[str, Any] = msgspec.to_builtins(e)
    body.pop("contact_sealed", None)  # never sent anywhere: unsealed only on purpose
    return body
