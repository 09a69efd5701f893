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
    # What staff see of it, built once (the case is kept between steps: recent.py); None
    # for events the timeline does not show.
    step: TimelineStep | None


def entry(version: int, type_name: str, actor: str | None, event: Event) -> Entry:
    step = None
    if type(event) in LIFECYCLE:  # what the projection handles
        step = TimelineStep(
            version=version,
            at=event.at,  # type: ignore[attr-defined]
            type=type_name,
            visibility=visibility(event),
            actor=actor,
            body=_body(event),
        )
    return Entry(version, type_name, actor, event, step)


def recorded(events: Iterable[RecordedEvent]) -> list[Entry]:
    return [entry(r.stream_version, r.type, r.metadata.actor, r.event) for r in events]


def appended(after_version: int, events: Iterable[Event], actor: str | None) -> list[Entry]:
    """Entries for events a command has just appended after `after_version`."""
    return [entry(after_version + i, e.type_name(), actor, e) for i, e in enumerate(events, start=1)]


def timeline(entries: Iterable[Entry], *, public_only: bool, viewer: str | None = None) -> list[TimelineStep]:
    """Public steps for the requester (no actor); staff also see internal steps and their
    own personal notes."""
    steps = []
    for e in entries:
        if e.step is None:
            continue
        seen = e.step.visibility
        if public_only:
            if seen == "public":
                steps.append(msgspec.structs.replace(e.step, actor=None))
        elif seen in ("public", "internal") or (seen == "note" and viewer is not None and e.actor == viewer):
            steps.append(e.step)
    return steps


def _body(e: Event) -> dict[str, Any]:
    body: dict[str, Any] = msgspec.to_builtins(e)
    body.pop("contact_sealed", None)  # never sent anywhere: unsealed only on purpose
    return body
