"""The handler's workspace: the queue of the unit's open cases, a case with its timeline and
the steps its state allows. Leaders see the same case pages with their own steps.

Every step is a form post carrying the case version the page showed (a case that moved
meanwhile answers 409: reload) and a command id drawn with the page (a resubmitted form
acts once). Steps go through the cases slice's command handler.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from events.cases import Kind
from projections.runner import wait_for
from services.access.guards import Principal
from services.cases.handle import carry_out
from services.cases.queries import open_issue_queue
from services.cases.staff_view import CaseView, authorise, case_view
from services.cases.transitions import CASE_PROJECTIONS
from services.problems import NotFound
from services.web.case_steps import HANDLER_STEPS, LEADER_STEPS, allowed_steps
from services.web.forms import command_id, decode, raw_form
from services.web.lookups import open_units, unit_names
from services.web.render import page


class HandlerPages(Controller):
    @get("/work", opt={"role": "casework"}, include_in_schema=False)
    async def queue(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
        kind: FromQuery[Kind | None] = None,
    ) -> Template:
        rows = await open_issue_queue(
            state.resources.pool, principal.units_with("casework"), state.clock.now(), kind=kind, limit=200
        )
        return await page(request, "work_queue.html", rows=rows, kind=kind or "")

    @get("/work/cases/{case_id:str}", opt={"role": "casework"}, include_in_schema=False)
    async def case(
        self,
        case_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Template:
        await authorise(state, principal, case_id, "casework")
        view: CaseView = (await case_view(state, principal, case_id)).content
        ops = [
            *(await _mine(state, principal, case_id, "handler", HANDLER_STEPS)),
            *(await _mine(state, principal, case_id, "leader", LEADER_STEPS)),
        ]
        allowed = await allowed_steps(state.resources.pool, case_id, state.clock.now(), ops)
        names = await unit_names(state.resources.pool, {view.unit_id, view.lead_unit or view.unit_id})
        units = await open_units(state.resources.pool) if "assign" in allowed else []
        return await page(
            request,
            "work_case.html",
            headers={"Cache-Control": "no-store"},
            view=view,
            allowed=allowed,
            names=names,
            units=units,
            cmds=[uuid.uuid4() for _ in allowed],
            now=state.clock.now(),
        )

    @post(
        "/work/cases/{case_id:str}/{op:str}",
        opt={"role": "handler"},
        include_in_schema=False,
        status_code=303,
    )
    async def handler_step(
        self,
        case_id: FromPath[str],
        op: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Redirect:
        return await _step(request, state, principal, case_id, op, "handler", HANDLER_STEPS)

    @post(
        "/lead/cases/{case_id:str}/{op:str}", opt={"role": "leader"}, include_in_schema=False, status_code=303
    )
    async def leader_step(
        self,
        case_id: FromPath[str],
        op: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Redirect:
        return await _step(request, state, principal, case_id, op, "leader", LEADER_STEPS)


async def _mine(
    state: State, principal: Principal, case_id: str, role: str, steps: dict[str, Any]
) -> list[str]:
    """The steps of `role` if the caller holds it for this case (handlers and leaders differ)."""
    try:
        await authorise(state, principal, case_id, role)
    except NotFound:
        return []
    return list(steps)


async def _step(
    request: Request[Any, Any, Any],
    state: State,
    principal: Principal,
    case_id: str,
    op: str,
    role: str,
    steps: dict[str, Any],
) -> Redirect:
    if op not in steps:
        raise NotFound()
    await authorise(state, principal, case_id, role)
    raw = await raw_form(request)
    version = (raw.pop("_version", None) or [""])[-1]
    shape, build = steps[op]
    body = decode(raw, shape)
    cmd_id = command_id(raw)
    outcome, _ = await carry_out(
        state.resources.store,
        case_id,
        build(body, str(cmd_id)),
        command_id=cmd_id,
        actor=principal.account_id,
        now=state.clock.now(),
        expected=int(version) if version.isdigit() else None,
    )
    if outcome.position is not None:
        await wait_for(state.resources.pool, CASE_PROJECTIONS, outcome.position, timeout=5)
    return Redirect(f"/work/cases/{case_id}", status_code=303)
