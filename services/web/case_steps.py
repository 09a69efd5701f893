"""Which steps a case allows now, and how a step's form becomes a case command.

"Allowed" is asked of the cases slice's own decider: each candidate command is decided
against the current state (a dry run: the events are thrown away). So the page offers
exactly the steps the service would accept, and no rule is repeated here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.cases import commands as c
from services.cases.calendar import WorkCalendar
from services.cases.decider import Context, decide
from services.cases.handle import declared_days, load
from services.cases.http_staff import (
    Accept,
    Ask,
    Assign,
    Because,
    Decision,
    Decline,
    Empty,
    Extension,
    Message,
    Words,
)
from services.cases.policy import DEFAULT_POLICY
from services.cases.texts import checked
from services.cases.timing import dues
from services.problems import Problem

Build = Callable[[Any, str], c.AnyCommand]
# op -> (form shape, build(form, new id) -> command); the forms are the API's own bodies.
HANDLER_STEPS: dict[str, tuple[type[Any], Build]] = {
    "accept": (Accept, lambda b, i: c.AcceptCase(kind=b.kind, urgency=b.urgency)),
    "decline": (Decline, lambda b, i: c.DeclineCase(reason=b.reason, text=checked(b.text))),
    "assign": (Assign, lambda b, i: c.AssignCase(unit_id=b.unit_id, note=b.note)),
    "sign": (Empty, lambda b, i: c.SignForCase()),
    "return": (Because, lambda b, i: c.ReturnCase(reason=checked(b.reason))),
    "messages": (
        Message,
        lambda b, i: c.PostMessage(message_id=i, visibility=b.visibility, text=checked(b.text)),
    ),
    "ask": (Ask, lambda b, i: c.AskRequester(question=checked(b.question))),
    "resume": (Empty, lambda b, i: c.ResumeCase()),
    "extension": (
        Extension,
        lambda b, i: c.RequestExtension(working_days=b.working_days, reason=checked(b.reason)),
    ),
    "answer": (Words, lambda b, i: c.AnswerCase(text=checked(b.text))),
    "resolve": (Words, lambda b, i: c.ResolveCase(summary=checked(b.text))),
}
LEADER_STEPS: dict[str, tuple[type[Any], Build]] = {
    "escalate": (Because, lambda b, i: c.EscalateCase(reason=checked(b.reason))),
    "extension-decision": (
        Decision,
        lambda b, i: c.DecideExtension(approved=b.approved, reason=checked(b.reason), by_leader=True),
    ),
    "reopen": (Because, lambda b, i: c.ReopenCase(reason=checked(b.reason), by_leader=True)),
}
# A stand-in for each step, to ask the decider whether the step is possible at all.
_PROBES: dict[str, c.AnyCommand] = {
    "accept": c.AcceptCase(),
    "decline": c.DeclineCase(reason="other", text="x"),
    "assign": c.AssignCase(unit_id="x"),
    "sign": c.SignForCase(),
    "return": c.ReturnCase(reason="x"),
    "messages": c.PostMessage(message_id="x", visibility="internal", text="x"),
    "ask": c.AskRequester(question="x"),
    "resume": c.ResumeCase(),
    "extension": c.RequestExtension(working_days=1, reason="x"),
    "answer": c.AnswerCase(text="x"),
    "resolve": c.ResolveCase(summary="x"),
    "escalate": c.EscalateCase(reason="x"),
    "extension-decision": c.DecideExtension(approved=True, reason="x", by_leader=True),
    "reopen": c.ReopenCase(reason="x", by_leader=True),
}


async def allowed_steps(pool: Any, case_id: str, now: Any, ops: list[str]) -> list[str]:
    state, _ = await load(pool, case_id)
    ctx = Context(
        now=now,
        dues=dues(state, WorkCalendar(await declared_days(pool)), DEFAULT_POLICY),
        policy=DEFAULT_POLICY,
    )
    allowed = []
    for op in ops:
        try:
            if decide(_PROBES[op], state, ctx):
                allowed.append(op)
        except Problem:
            continue
    return allowed
