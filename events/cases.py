"""Case events: rights-protection requests (维权诉求), suggestions (意见建议), sentiment reports (舆情).

One lifecycle for the three kinds; streams are `case-{id}`. The acting staff account is in
each event's metadata (`actor`); an anonymous requester acts with no actor at all. Texts
are the requester's or handler's words; a named requester's contact details are only ever
here encrypted (`contact_sealed`) with a per-case key kept outside the event table, so
destroying the key erases them while every figure stays. Calendar days an admin declares
(for years the holiday library does not know yet) live on the stream `calendar`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from events.base import Event

Kind = Literal["rights_request", "suggestion", "sentiment"]
Urgency = Literal["urgent", "normal", "complex"]
Visibility = Literal["public", "internal", "note"]
Satisfaction = Literal["satisfied", "basically_satisfied", "dissatisfied"]
DeclineReason = Literal["out_of_scope", "duplicate", "insufficient_information", "not_actionable", "other"]
ClockName = Literal["accept", "respond", "resolve"]


class CaseSubmitted(Event, frozen=True, kw_only=True):
    case_id: str
    kind: Kind
    unit_id: str
    text: str
    urgency: Urgency = "normal"
    anonymous: bool = True
    contact_sealed: str | None = None  # ciphertext; the key is in case_keys, never here
    source: Literal["web", "survey"] = "web"
    at: datetime


class CaseAccepted(Event, frozen=True, kw_only=True):
    kind: Kind
    urgency: Urgency
    at: datetime


class CaseDeclined(Event, frozen=True, kw_only=True):
    reason: DeclineReason
    text: str
    at: datetime


class CaseMerged(Event, frozen=True, kw_only=True):
    into_case_id: str
    at: datetime


class CaseAssigned(Event, frozen=True, kw_only=True):
    unit_id: str
    note: str = ""
    at: datetime


class CaseSignedFor(Event, frozen=True, kw_only=True):
    at: datetime


class CaseReturned(Event, frozen=True, kw_only=True):
    reason: str
    at: datetime


class MessagePosted(Event, frozen=True, kw_only=True):
    message_id: str
    visibility: Visibility
    from_requester: bool
    text: str
    at: datetime


class RequesterAsked(Event, frozen=True, kw_only=True):
    """The handler needs something from the requester: the resolution clock pauses."""

    question: str
    at: datetime


class CaseResumed(Event, frozen=True, kw_only=True):
    """The requester supplied what was asked (or the handler went on without it)."""

    at: datetime


class ExtensionRequested(Event, frozen=True, kw_only=True):
    working_days: int
    reason: str
    at: datetime


class ExtensionDecided(Event, frozen=True, kw_only=True):
    approved: bool
    reason: str
    at: datetime


class CaseAnswered(Event, frozen=True, kw_only=True):
    text: str
    at: datetime


class CaseResolved(Event, frozen=True, kw_only=True):
    summary: str
    at: datetime


class CaseRated(Event, frozen=True, kw_only=True):
    solved: bool
    satisfaction: Satisfaction
    comment: str = ""
    at: datetime


class CaseClosedUnrated(Event, frozen=True, kw_only=True):
    at: datetime


class CaseReopened(Event, frozen=True, kw_only=True):
    reason: str
    by_leader: bool
    at: datetime


class CaseEscalated(Event, frozen=True, kw_only=True):
    reason: str
    automatic: bool
    breach: ClockName | None = None  # the clock whose breach escalated it, if automatic
    at: datetime


class CaseDueSoon(Event, frozen=True, kw_only=True):
    clock: ClockName
    cycle: int
    due_at: datetime
    at: datetime


class CaseBreached(Event, frozen=True, kw_only=True):
    clock: ClockName
    cycle: int
    due_at: datetime
    at: datetime


class CaseWithdrawn(Event, frozen=True, kw_only=True):
    reason: str = ""
    at: datetime


class WorkdayDeclared(Event, frozen=True, kw_only=True):
    """An admin says whether a day is worked (holidays and adjusted working days)."""

    day: date
    workday: bool
    note: str = ""


# Every event of a case's own stream, for projectors that follow the whole lifecycle.
LIFECYCLE: frozenset[type[Event]] = frozenset(
    {
        CaseSubmitted,
        CaseAccepted,
        CaseDeclined,
        CaseMerged,
        CaseAssigned,
        CaseSignedFor,
        CaseReturned,
        MessagePosted,
        RequesterAsked,
        CaseResumed,
        ExtensionRequested,
        ExtensionDecided,
        CaseAnswered,
        CaseResolved,
        CaseRated,
        CaseClosedUnrated,
        CaseReopened,
        CaseEscalated,
        CaseDueSoon,
        CaseBreached,
        CaseWithdrawn,
    }
)
