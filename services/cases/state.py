"""A case's state, folded from its events. `evolve` never validates: events are facts."""

from __future__ import annotations

from datetime import datetime

import msgspec
from msgspec.structs import replace

from events import cases as ev
from events.base import Event

OPEN = frozenset({"submitted", "accepted", "assigned", "in_progress", "waiting", "answered"})
ENDED = frozenset({"declined", "merged", "withdrawn", "rated", "closed"})


class CaseState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    case_id: str = ""
    status: str = ""
    kind: str = "suggestion"
    urgency: str = "normal"
    unit_id: str = ""  # where it was raised
    lead_unit: str | None = None  # 交办: the unit that must handle it
    anonymous: bool = True
    submitted_at: datetime | None = None
    accepted_at: datetime | None = None
    responded_at: datetime | None = None
    answered: bool = False
    resolved_at: datetime | None = None
    ended_at: datetime | None = None
    cycle: int = 1
    cycle_started_at: datetime | None = None
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()  # of the current cycle
    extension_requested: bool = False
    extension_decided: bool = False
    extension_asked_days: int = 0
    extension_days: int = 0  # approved working days added to the resolution limit
    escalated: bool = False
    marks: frozenset[str] = frozenset()  # "cycle:clock:due_soon|breach|escalated", each once
    breaches: tuple[str, ...] = ()  # "cycle:clock", kept across reopen
    returns: int = 0
    reopened: int = 0
    solved: bool | None = None
    satisfaction: str | None = None
    merged_into: str | None = None
    withdrawn_before_response: bool = False
    waiting_question: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1][1] is None


def mark(cycle: int, clock: str, what: str) -> str:
    return f"{cycle}:{clock}:{what}"


def evolve(s: CaseState, e: Event) -> CaseState:
    match e:
        case ev.CaseSubmitted():
            return CaseState(
                exists=True,
                case_id=e.case_id,
                status="submitted",
                kind=e.kind,
                urgency=e.urgency,
                unit_id=e.unit_id,
                anonymous=e.anonymous,
                submitted_at=e.at,
            )
        case ev.CaseAccepted():
            return replace(
                s, status="accepted", kind=e.kind, urgency=e.urgency, accepted_at=e.at, cycle_started_at=e.at
            )
        case ev.CaseDeclined():
            return replace(s, status="declined", ended_at=e.at)
        case ev.CaseMerged():
            return replace(s, status="merged", merged_into=e.into_case_id, ended_at=e.at)
        case ev.CaseAssigned():
            return replace(s, status="assigned", lead_unit=e.unit_id)
        case ev.CaseSignedFor():
            return replace(s, status="in_progress")
        case ev.CaseReturned():
            return replace(s, status="accepted", lead_unit=None, returns=s.returns + 1)
        case ev.MessagePosted():
            responds = e.visibility == "public" and not e.from_requester and s.responded_at is None
            return replace(s, responded_at=e.at) if responds and s.accepted_at else s
        case ev.RequesterAsked():
            return replace(
                s,
                status="waiting",
                waiting_question=e.question,
                responded_at=s.responded_at or e.at,
                pauses=(*s.pauses, (e.at, None)),
            )
        case ev.CaseResumed():
            closed = (s.pauses[-1][0], e.at) if s.paused else None
            pauses = (*s.pauses[:-1], closed) if closed else s.pauses
            return replace(s, status="in_progress", waiting_question=None, pauses=pauses)
        case ev.ExtensionRequested():
            return replace(s, extension_requested=True, extension_asked_days=e.working_days)
        case ev.ExtensionDecided():
            days = s.extension_asked_days if e.approved else 0
            return replace(s, extension_decided=True, extension_days=days)
        case ev.CaseAnswered():
            return replace(s, status="answered", answered=True, responded_at=s.responded_at or e.at)
        case ev.CaseResolved():
            return replace(s, status="resolved", resolved_at=e.at)
        case ev.CaseRated():
            return replace(s, status="rated", solved=e.solved, satisfaction=e.satisfaction, ended_at=e.at)
        case ev.CaseClosedUnrated():
            return replace(s, status="closed", ended_at=e.at)
        case ev.CaseReopened():
            return replace(
                s,
                status="in_progress",
                cycle=s.cycle + 1,
                cycle_started_at=e.at,
                reopened=s.reopened + 1,
                answered=False,
                resolved_at=None,
                ended_at=None,
                solved=None,
                satisfaction=None,
                pauses=(),
                marks=s.marks,
            )
        case ev.CaseEscalated():
            m = {mark(s.cycle, e.breach, "escalated")} if e.breach else set()
            return replace(s, escalated=True, marks=s.marks | m)
        case ev.CaseDueSoon():
            return replace(s, marks=s.marks | {mark(e.cycle, e.clock, "due_soon")})
        case ev.CaseBreached():
            return replace(
                s,
                marks=s.marks | {mark(e.cycle, e.clock, "breach")},
                breaches=(*s.breaches, f"{e.cycle}:{e.clock}"),
            )
        case ev.CaseWithdrawn():
            return replace(
                s, status="withdrawn", ended_at=e.at, withdrawn_before_response=s.responded_at is None
            )
    return s


def fold(events: list[Event]) -> CaseState:
    state = CaseState()
    for e in events:
        state = evolve(state, e)
    return state
