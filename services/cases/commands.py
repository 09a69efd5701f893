"""What people ask a case to do. Imperative names, the verbs of PRODUCT.md's words table."""

from __future__ import annotations

import msgspec

from events.cases import ClockName, DeclineReason, Kind, Satisfaction, Urgency, Visibility


class Command(msgspec.Struct, frozen=True, kw_only=True, tag=True):
    pass


class SubmitCase(Command, frozen=True, kw_only=True):
    case_id: str
    kind: Kind
    unit_id: str
    text: str
    urgency: Urgency = "normal"
    anonymous: bool = True
    contact_sealed: str | None = None
    source: str = "web"


class AcceptCase(Command, frozen=True, kw_only=True):
    kind: Kind | None = None  # reclassify
    urgency: Urgency | None = None


class DeclineCase(Command, frozen=True, kw_only=True):
    reason: DeclineReason
    text: str


class MergeCase(Command, frozen=True, kw_only=True):
    into_case_id: str


class AssignCase(Command, frozen=True, kw_only=True):
    unit_id: str
    note: str = ""


class SignForCase(Command, frozen=True, kw_only=True):
    pass


class ReturnCase(Command, frozen=True, kw_only=True):
    reason: str


class PostMessage(Command, frozen=True, kw_only=True):
    message_id: str
    visibility: Visibility
    text: str
    from_requester: bool = False


class AskRequester(Command, frozen=True, kw_only=True):
    question: str


class ResumeCase(Command, frozen=True, kw_only=True):
    pass


class RequestExtension(Command, frozen=True, kw_only=True):
    working_days: int
    reason: str


class DecideExtension(Command, frozen=True, kw_only=True):
    approved: bool
    reason: str
    by_leader: bool


class AnswerCase(Command, frozen=True, kw_only=True):
    text: str


class ResolveCase(Command, frozen=True, kw_only=True):
    summary: str


class RateCase(Command, frozen=True, kw_only=True):
    solved: bool
    satisfaction: Satisfaction
    comment: str = ""


class CloseUnrated(Command, frozen=True, kw_only=True):
    pass


class ReopenCase(Command, frozen=True, kw_only=True):
    reason: str
    by_leader: bool


class EscalateCase(Command, frozen=True, kw_only=True):
    reason: str
    breach: ClockName | None = None  # set by the scheduler: automatic escalation of a breach


class MarkDue(Command, frozen=True, kw_only=True):
    """The scheduler saw a clock's due time come near (due_soon) or pass (breach)."""

    clock: ClockName
    breach: bool


class WithdrawCase(Command, frozen=True, kw_only=True):
    reason: str = ""


AnyCommand = (
    SubmitCase
    | AcceptCase
    | DeclineCase
    | MergeCase
    | AssignCase
    | SignForCase
    | ReturnCase
    | PostMessage
    | AskRequester
    | ResumeCase
    | RequestExtension
    | DecideExtension
    | AnswerCase
    | ResolveCase
    | RateCase
    | CloseUnrated
    | ReopenCase
    | EscalateCase
    | MarkDue
    | WithdrawCase
)
