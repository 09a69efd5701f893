"""Given events, when a command, then events (or a refusal): the decider spec helper."""

from __future__ import annotations

from datetime import datetime

from events import cases as ev
from events.base import Event
from services.cases.calendar import TZ, WorkCalendar
from services.cases.commands import AnyCommand
from services.cases.decider import Context, decide
from services.cases.policy import DEFAULT_POLICY
from services.cases.state import fold
from services.cases.timing import dues

MON = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)  # a Monday, an ordinary working week


def given(*events: Event) -> list[Event]:
    return list(events)


def when(history: list[Event], cmd: AnyCommand, now: datetime = MON) -> list[Event]:
    state = fold(history)
    return decide(
        cmd, state, Context(now=now, dues=dues(state, WorkCalendar(), DEFAULT_POLICY), policy=DEFAULT_POLICY)
    )


def submitted(at: datetime = MON, urgency: str = "normal") -> ev.CaseSubmitted:
    return ev.CaseSubmitted(
        case_id="c1", kind="rights_request", unit_id="u1", text="食堂排队太久", urgency=urgency, at=at
    )  # type: ignore[arg-type]


def in_progress(at: datetime = MON) -> list[Event]:
    return [
        submitted(at),
        ev.CaseAccepted(kind="rights_request", urgency="normal", at=at),
        ev.CaseAssigned(unit_id="u2", at=at),
        ev.CaseSignedFor(at=at),
    ]
