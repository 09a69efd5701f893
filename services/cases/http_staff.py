"""Handlers work cases of their units; leaders watch, escalate, approve extensions, reopen.

Every step is one POST with the expected version in If-Match (409 if the case moved) and an
optional Idempotency-Key (a retried request gets the first one's result). A case outside
the caller's subtrees answers 404, exactly like a missing one.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, FromQuery

from events.cases import DeclineReason, Kind, Urgency, Visibility
from services.access.guards import Principal
from services.cases import commands as c
from services.cases import held
from services.cases.notifications import Notification, for_principal
from services.cases.queries import QueueRow, open_issue_queue
from services.cases.staff_view import CaseView, authorise, authorise_caller, case_view, view_of
from services.cases.texts import ShortText, Text, checked
from services.cases.transitions import run_command
from services.commanding import strict_body
from services.encoded import EncodedJson

Limit = Annotated[int, msgspec.Meta(ge=1, le=500)]
Offset = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]


class Accept(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: Kind | None = None
    urgency: Urgency | None = None


class Decline(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: DeclineReason
    text: ShortText


class Merge(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    into_case_id: ShortText


class Assign(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    unit_id: ShortText
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class Because(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: ShortText


class Message(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    visibility: Visibility
    text: Text


class Ask(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    question: Text


class Extension(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    working_days: Annotated[int, msgspec.Meta(ge=1, le=30)]
    reason: ShortText


class Decision(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    approved: bool
    reason: ShortText


class Words(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    text: Text


class Empty(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


def _step(op: str, shape: type[Any], build: Any, role: str = "handler") -> Any:
    """One POST /api/v1/cases/{id}/<op>: decode, authorise for `role`, run, show the case.
    `build(body, state)` makes the command."""

    async def step(self: Any, request: Request[Any, Any, Any]) -> EncodedJson:
        # Everything from the request itself (one injected parameter, not four), the answer
        # pre-encoded: the steps are the busiest staff route (services/encoded.py).
        state, case_id = request.app.state, request.path_params["case_id"]
        # One connection for the whole step, and the caller read with the case: two round
        # trips (read, append) where a step took three and a pool checkout each. The caller
        # first (401/403/404, as on every route), then the body (415/413/422).
        async with state.resources.pool.acquire() as db:
            # Decided from what this process holds, in one round trip, when it holds it all
            # and nothing changed (held.py); else read, decide, append.
            taken = await held.step(db, request, case_id, role, shape, build, Empty)
            state.metrics.case_step("held" if taken else "read")
            if taken is not None:
                after, principal = taken
            else:
                loaded, principal = await authorise_caller(db, request, case_id, role)
                body = await strict_body(request, shape) if shape is not Empty else Empty()
                cmd = build(body, state)
                actor = principal.account_id
                after = await run_command(request, state, case_id, cmd, actor=actor, loaded=loaded, db=db)
            state.resources.recent_cases.keep(case_id, after)
            view = await view_of(state, principal, case_id, after, db)
        return EncodedJson(view, headers=((b"etag", f'"{view.version}"'.encode()),))

    step.__doc__ = f"Case step ({role}): {op}."
    return post(
        f"/{{case_id:str}}/{op}",
        operation_id=f"case_{op.replace('-', '_')}",
        opt={"role": role, "reads_caller": True},
        status_code=200,
        responses={200: ResponseSpec(data_container=CaseView, description="The case after the step")},
    )(step)


class CaseController(Controller):
    path = "/api/v1/cases"
    tags = ("cases",)

    @get("/{case_id:str}", operation_id="get_case", opt={"role": "casework"})
    async def get_case(
        self, case_id: FromPath[str], state: State, principal: NamedDependency[Principal]
    ) -> Response[CaseView]:
        """The case with its due times, allowed steps and timeline (internal steps included)."""
        loaded = await authorise(state, principal, case_id, "casework")
        return await case_view(state, principal, case_id, loaded)

    accept = _step("accept", Accept, lambda b, s: c.AcceptCase(kind=b.kind, urgency=b.urgency))
    decline = _step("decline", Decline, lambda b, s: c.DeclineCase(reason=b.reason, text=checked(b.text)))
    merge = _step("merge", Merge, lambda b, s: c.MergeCase(into_case_id=b.into_case_id))
    assign = _step("assign", Assign, lambda b, s: c.AssignCase(unit_id=b.unit_id, note=b.note))
    sign = _step("sign", Empty, lambda b, s: c.SignForCase())
    give_back = _step("return", Because, lambda b, s: c.ReturnCase(reason=checked(b.reason)))
    message = _step(
        "messages",
        Message,
        lambda b, s: c.PostMessage(
            message_id=str(s.ids.new()), visibility=b.visibility, text=checked(b.text)
        ),
    )
    ask = _step("ask", Ask, lambda b, s: c.AskRequester(question=checked(b.question)))
    resume = _step("resume", Empty, lambda b, s: c.ResumeCase())
    extend = _step(
        "extension",
        Extension,
        lambda b, s: c.RequestExtension(working_days=b.working_days, reason=checked(b.reason)),
    )
    answer = _step("answer", Words, lambda b, s: c.AnswerCase(text=checked(b.text)))
    resolve = _step("resolve", Words, lambda b, s: c.ResolveCase(summary=checked(b.text)))
    escalate = _step("escalate", Because, lambda b, s: c.EscalateCase(reason=checked(b.reason)), "leader")
    decide_extension = _step(
        "extension-decision",
        Decision,
        lambda b, s: c.DecideExtension(approved=b.approved, reason=checked(b.reason), by_leader=True),
        "leader",
    )
    reopen = _step(
        "reopen", Because, lambda b, s: c.ReopenCase(reason=checked(b.reason), by_leader=True), "leader"
    )


class NotificationController(Controller):
    path = "/api/v1/notifications"
    tags = ("cases",)

    @get("/", operation_id="my_notifications", opt={"role": "casework"})
    async def mine(self, state: State, principal: NamedDependency[Principal]) -> list[Notification]:
        """What needs the caller: cases assigned, coming due, overdue, escalated, replied to."""
        return await for_principal(state.resources.pool, principal)


class QueueController(Controller):
    path = "/api/v1/queue"
    tags = ("cases",)

    @get("/", operation_id="open_issue_queue", opt={"role": "casework"})
    async def queue(
        self,
        state: State,
        principal: NamedDependency[Principal],
        kind: FromQuery[Kind | None] = None,
        status: FromQuery[ShortText | None] = None,
        unit: FromQuery[ShortText | None] = None,
        limit: FromQuery[Limit] = 100,
        offset: FromQuery[Offset] = 0,
    ) -> list[QueueRow]:
        """Open cases in the caller's subtrees, most urgent first, with badges
        (overdue 逾期, due_soon 即将到期, escalated 督办, reopened 重办, waiting 待补充)."""
        scope = principal.units_with("casework")
        return await open_issue_queue(
            state.resources.pool,
            scope,
            state.clock.now(),
            kind=kind,
            status=status,
            unit=unit,
            limit=limit,
            offset=offset,
        )
