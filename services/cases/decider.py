"""decide(command, state, context) -> events: every rule of the case lifecycle, and nothing else.

Pure: the clock's reading and the current due times come in `Context`, so every refusal can
be tested without a database. A refused transition raises `Refused` (409 problem+json with a
stable type); a missing case raises `NotFound` (404).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import assert_never

import msgspec

from events import cases as ev
from events.base import Event
from services.cases import commands as c
from services.cases.policy import Policy
from services.cases.state import CaseState, mark
from services.cases.timing import Dues
from services.problems import Conflict, NotFound


class Refused(Conflict):
    slug, title = "case-transition-refused", "This step is not possible in the case's current state"


class Context(msgspec.Struct, frozen=True):
    now: datetime
    dues: Dues
    policy: Policy


SIGNED = frozenset({"in_progress", "waiting", "answered"})
WORKING = frozenset({"assigned", *SIGNED})


def require(ok: bool, why: str) -> None:
    if not ok:
        raise Refused(why)


def decide(cmd: c.AnyCommand, s: CaseState, ctx: Context) -> list[Event]:
    now = ctx.now
    if not isinstance(cmd, c.SubmitCase) and not s.exists:
        raise NotFound("no such case")
    match cmd:
        case c.SubmitCase():
            require(not s.exists, "this case already exists")
            return [
                ev.CaseSubmitted(
                    case_id=cmd.case_id,
                    kind=cmd.kind,
                    unit_id=cmd.unit_id,
                    text=cmd.text,
                    urgency=cmd.urgency,
                    anonymous=cmd.anonymous,
                    contact_sealed=cmd.contact_sealed,
                    source="survey" if cmd.source == "survey" else "web",
                    at=now,
                )
            ]
        case c.AcceptCase():
            require(s.status == "submitted", "only a submitted case can be accepted")
            return [ev.CaseAccepted(kind=cmd.kind or s.kind, urgency=cmd.urgency or s.urgency, at=now)]  # type: ignore[arg-type]
        case c.DeclineCase():
            require(s.status == "submitted", "only a submitted case can be declined")
            require(bool(cmd.text.strip()), "say why the case is declined")
            return [ev.CaseDeclined(reason=cmd.reason, text=cmd.text, at=now)]
        case c.MergeCase():
            require(s.status in ("submitted", "accepted"), "only a new case can be merged")
            require(cmd.into_case_id != s.case_id, "a case cannot be merged into itself")
            return [ev.CaseMerged(into_case_id=cmd.into_case_id, at=now)]
        case c.AssignCase():
            require(
                s.status in ("accepted", "assigned"), "assign an accepted case (or transfer before sign-for)"
            )
            return [ev.CaseAssigned(unit_id=cmd.unit_id, note=cmd.note, at=now)]
        case c.SignForCase():
            require(s.status == "assigned", "only an assigned case can be signed for")
            return [ev.CaseSignedFor(at=now)]
        case c.ReturnCase():
            require(s.status == "assigned", "only an assigned case not yet signed for can be returned")
            require(bool(cmd.reason.strip()), "say why the case is returned")
            return [ev.CaseReturned(reason=cmd.reason, at=now)]
        case c.PostMessage():
            return _message(cmd, s, now)
        case c.AskRequester():
            require(s.status in ("in_progress", "answered"), "ask the requester while working the case")
            return [ev.RequesterAsked(question=cmd.question, at=now)]
        case c.ResumeCase():
            require(s.status == "waiting", "only a case waiting for the requester can resume")
            return [ev.CaseResumed(at=now)]
        case c.RequestExtension():
            require(s.status in WORKING, "request an extension while the case is being worked")
            require(not s.extension_requested, "an extension can be requested once per case")
            require(ctx.dues.resolve is None or now < ctx.dues.resolve, "the due time has passed")
            require(1 <= cmd.working_days <= 30, "an extension is 1 to 30 working days")
            return [ev.ExtensionRequested(working_days=cmd.working_days, reason=cmd.reason, at=now)]
        case c.DecideExtension():
            require(cmd.by_leader, "only a leader decides an extension")
            require(s.extension_requested and not s.extension_decided, "no extension request is pending")
            return [ev.ExtensionDecided(approved=cmd.approved, reason=cmd.reason, at=now)]
        case c.AnswerCase():
            require(s.status in ("in_progress", "answered"), "answer a case that is signed for")
            return [ev.CaseAnswered(text=cmd.text, at=now)]
        case c.ResolveCase():
            require(s.status == "answered" and s.answered, "a case needs an answer before it is resolved")
            return [ev.CaseResolved(summary=cmd.summary, at=now)]
        case c.RateCase():
            require(s.status == "resolved", "only a resolved case can be rated")
            return [
                ev.CaseRated(solved=cmd.solved, satisfaction=cmd.satisfaction, comment=cmd.comment, at=now)
            ]
        case c.CloseUnrated():
            require(
                s.status == "resolved" and s.resolved_at is not None, "only a resolved case closes unrated"
            )
            window = timedelta(days=ctx.policy.rating_window_days)
            require(now >= s.resolved_at + window, "the rating window is still open")  # type: ignore[operator]
            return [ev.CaseClosedUnrated(at=now)]
        case c.ReopenCase():
            return _reopen(cmd, s, ctx)
        case c.EscalateCase():
            return _escalate(cmd, s, now)
        case c.MarkDue():
            return _mark_due(cmd, s, ctx)
        case c.WithdrawCase():
            require(s.is_open, "only an open case can be withdrawn")
            return [ev.CaseWithdrawn(reason=cmd.reason, at=now)]
        case _:
            assert_never(cmd)


def _message(cmd: c.PostMessage, s: CaseState, now: datetime) -> list[Event]:
    require(s.is_open or s.status == "resolved", "the case is closed")
    if cmd.from_requester:
        require(cmd.visibility == "public", "a requester's message is public")
    else:
        require(
            s.status != "submitted" or cmd.visibility != "public",
            "accept the case before writing to the requester",
        )
    posted: list[Event] = [
        ev.MessagePosted(
            message_id=cmd.message_id,
            visibility=cmd.visibility,
            from_requester=cmd.from_requester,
            text=cmd.text,
            at=now,
        )
    ]
    if cmd.from_requester and s.status == "waiting":  # the requester supplied what was asked
        posted.append(ev.CaseResumed(at=now))
    return posted


def _reopen(cmd: c.ReopenCase, s: CaseState, ctx: Context) -> list[Event]:
    require(s.status in ("rated", "closed"), "only a rated or closed case can be reopened")
    if not cmd.by_leader:
        require(s.status == "rated", "the requester reopens after rating")
        window = timedelta(days=ctx.policy.reopen_window_days)
        require(s.ended_at is not None and ctx.now <= s.ended_at + window, "the reopen window has passed")
    require(bool(cmd.reason.strip()), "say why the case is reopened")
    return [ev.CaseReopened(reason=cmd.reason, by_leader=cmd.by_leader, at=ctx.now)]


def _escalate(cmd: c.EscalateCase, s: CaseState, now: datetime) -> list[Event]:
    require(s.is_open, "only an open case can be escalated")
    if cmd.breach is not None:  # automatic: exactly one escalation per breach
        key = mark(s.cycle, cmd.breach, "escalated")
        if key in s.marks or mark(s.cycle, cmd.breach, "breach") not in s.marks:
            return []
        return [ev.CaseEscalated(reason=cmd.reason, automatic=True, breach=cmd.breach, at=now)]
    require(not s.escalated, "the case is already escalated")
    return [ev.CaseEscalated(reason=cmd.reason, automatic=False, at=now)]


def _mark_due(cmd: c.MarkDue, s: CaseState, ctx: Context) -> list[Event]:
    due = dict(ctx.dues.running()).get(cmd.clock)
    what = "breach" if cmd.breach else "due_soon"
    if due is None or mark(s.cycle, cmd.clock, what) in s.marks:
        return []  # nothing running, or already said once: the scheduler may ask again safely
    if cmd.breach and ctx.now < due:
        return []
    if not cmd.breach and ctx.now < due - timedelta(seconds=ctx.policy.due_soon_seconds):
        return []
    event = ev.CaseBreached if cmd.breach else ev.CaseDueSoon
    return [event(clock=cmd.clock, cycle=s.cycle, due_at=due, at=ctx.now)]
