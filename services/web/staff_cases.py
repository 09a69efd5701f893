"""Pages for people without an account: raise a problem, then follow it with the receipt code.

The receipt code is typed into a form and travels only in POST bodies; every page that
shows or holds it is sent with Cache-Control: no-store and Referrer-Policy: no-referrer.
The pages call the cases slice (submit_case, the receipt lookup with its guessing limit,
the command handler), never their own rules.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.response import Template

from events.cases import Kind, Satisfaction, Urgency
from projections.runner import wait_for
from services.cases import commands as c
from services.cases.handle import carry_out
from services.cases.http_requester import UnknownUnit
from services.cases.http_requester import _open as open_receipt  # the one guessing-limited lookup
from services.cases.requester_view import requester_view
from services.cases.submit import submit_case
from services.cases.texts import checked
from services.cases.transitions import CASE_PROJECTIONS
from services.web.forms import public_form
from services.web.i18n import N_
from services.web.lookups import open_units
from services.web.render import PRIVATE, page

Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
Short = Annotated[str, msgspec.Meta(max_length=500)]


class NewCaseForm(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: Kind
    unit_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    text: Text
    urgency: Urgency = "normal"
    identity: Literal["anonymous", "named"] = "anonymous"
    contact: Short = ""


class CodeForm(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: Code


class ReplyForm(CodeForm, frozen=True, forbid_unknown_fields=True):
    text: Text


class RateForm(CodeForm, frozen=True, forbid_unknown_fields=True):
    solved: Literal["yes", "no"]
    satisfaction: Satisfaction
    comment: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class ReasonForm(CodeForm, frozen=True, forbid_unknown_fields=True):
    reason: Short = ""


class StaffCasePages(Controller):
    """The requester's pages (public)."""

    @get("/problem", opt={"public": True}, include_in_schema=False)
    async def new_case(self, request: Request[Any, Any, Any], state: State) -> Template:
        units = await open_units(state.resources.pool)
        return await page(request, "problem_new.html", units=units, cmd=uuid.uuid4(), errors={})

    @post("/problem", opt={"public": True}, include_in_schema=False, status_code=200)
    async def submit(self, request: Request[Any, Any, Any], state: State) -> Template:
        form, _cmd = await public_form(request, NewCaseForm)
        named = form.identity == "named"
        if named and not form.contact.strip():
            units = await open_units(state.resources.pool)
            errors = {"contact": N_("Give a way to reach you, or choose to stay anonymous.")}
            return await page(
                request, "problem_new.html", status=422, units=units, cmd=_cmd, errors=errors, form=form
            )
        exists = await state.resources.pool.fetchval(
            "SELECT true FROM unit_tree WHERE unit_id = $1 AND NOT closed", form.unit_id
        )
        if not exists:
            raise UnknownUnit()
        done = await submit_case(
            state.resources,
            state.clock,
            state.ids,
            kind=form.kind,
            unit_id=form.unit_id,
            text=checked(form.text),
            urgency=form.urgency,
            contact=checked(form.contact, "contact") if named else None,
            state=state,
        )
        await wait_for(state.resources.pool, CASE_PROJECTIONS, done.position, timeout=5)
        return await page(request, "problem_done.html", headers=PRIVATE, code=done.receipt_code)

    @get("/receipt", opt={"public": True}, include_in_schema=False)
    async def enter_code(self, request: Request[Any, Any, Any]) -> Template:
        return await page(request, "receipt_enter.html", headers=PRIVATE)

    @post("/receipt", opt={"public": True}, include_in_schema=False, status_code=200)
    async def show(self, request: Request[Any, Any, Any], state: State) -> Template:
        form, _ = await public_form(request, CodeForm)
        return await _case_page(request, state, form.code, await open_receipt(request, state, form.code))

    @post("/receipt/reply", opt={"public": True}, include_in_schema=False, status_code=200)
    async def reply(self, request: Request[Any, Any, Any], state: State) -> Template:
        form, cmd_id = await public_form(request, ReplyForm)
        cmd = c.PostMessage(
            message_id=str(cmd_id), visibility="public", text=checked(form.text), from_requester=True
        )
        return await _act(request, state, form.code, cmd, cmd_id, N_("Your message was sent."))

    @post("/receipt/rate", opt={"public": True}, include_in_schema=False, status_code=200)
    async def rate(self, request: Request[Any, Any, Any], state: State) -> Template:
        form, cmd_id = await public_form(request, RateForm)
        comment = checked(form.comment, "comment") if form.comment.strip() else ""
        cmd = c.RateCase(solved=form.solved == "yes", satisfaction=form.satisfaction, comment=comment)
        return await _act(request, state, form.code, cmd, cmd_id, N_("Thank you for your rating."))

    @post("/receipt/withdraw", opt={"public": True}, include_in_schema=False, status_code=200)
    async def withdraw(self, request: Request[Any, Any, Any], state: State) -> Template:
        form, cmd_id = await public_form(request, ReasonForm)
        return await _act(
            request,
            state,
            form.code,
            c.WithdrawCase(reason=form.reason),
            cmd_id,
            N_("The case was withdrawn."),
        )

    @post("/receipt/reopen", opt={"public": True}, include_in_schema=False, status_code=200)
    async def reopen(self, request: Request[Any, Any, Any], state: State) -> Template:
        form, cmd_id = await public_form(request, ReasonForm)
        cmd = c.ReopenCase(reason=checked(form.reason, "reason"), by_leader=False)
        return await _act(request, state, form.code, cmd, cmd_id, N_("The case will be handled again."))


async def _act(
    request: Request[Any, Any, Any], state: State, code: str, cmd: c.AnyCommand, cmd_id: uuid.UUID, done: str
) -> Template:
    case_id = await open_receipt(request, state, code)
    outcome, _ = await carry_out(
        state.resources.store, case_id, cmd, command_id=cmd_id, actor=None, now=state.clock.now()
    )
    if outcome.position is not None:
        await wait_for(state.resources.pool, CASE_PROJECTIONS, outcome.position, timeout=5)
    return await _case_page(request, state, code, case_id, notice=done)


async def _case_page(
    request: Request[Any, Any, Any], state: State, code: str, case_id: str, notice: str = ""
) -> Template:
    view = await requester_view(state, case_id)
    return await page(
        request, "receipt_case.html", headers=PRIVATE, view=view, code=code, notice=notice, cmd=uuid.uuid4()
    )
