"""Administrators' survey pages: the builder, publish and close, invitation codes per unit
with a printable QR sheet, ballot accounting. Every step is the surveys slice's command."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
import segno
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from events.surveys import PrivacyManifest
from projections.runner import wait_for
from services.access.guards import Principal
from services.access.keys import service_secret
from services.access.scope import require_unit
from services.surveys.bodies import ManifestIn
from services.surveys.commands import CloseSurvey, CreateSurvey, IssueInvitations, PublishSurvey
from services.surveys.handle import handle
from services.surveys.http import PROJECTIONS, require_survey, run
from services.surveys.http_invitations import _codes as invitation_codes  # derives codes, checks scope
from services.surveys.model import FIVE_GOODS
from services.surveys.queries import survey_catalogue
from services.surveys.results.accounting import ballot_accounting
from services.surveys.results.cycle import load_cycle
from services.web.forms import command_id, decode, raw_form, staff_form
from services.web.lookups import issues_of, open_units
from services.web.render import page
from services.web.survey_builder import survey_body


class InvitationsForm(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    unit_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    count: Annotated[int, msgspec.Meta(ge=1, le=10_000)]


class AdminSurveyPages(Controller):
    @get("/admin/surveys/new", opt={"role": "admin"}, include_in_schema=False)
    async def builder(
        self, request: Request[Any, Any, Any], state: State, principal: NamedDependency[Principal]
    ) -> Template:
        units = await open_units(state.resources.pool, principal.units_with("admin"))
        return await page(request, "admin_survey_new.html", units=units, dims=FIVE_GOODS, rows=range(1, 9))

    @post("/admin/surveys", opt={"role": "admin"}, include_in_schema=False, status_code=303)
    async def create(
        self, request: Request[Any, Any, Any], state: State, principal: NamedDependency[Principal]
    ) -> Redirect:
        raw = await raw_form(request)
        body = survey_body(raw)
        await require_unit(state.resources.pool, principal, body.owner_unit_id, "admin")
        cmd_id = command_id(raw)
        survey_id = str(uuid.uuid5(cmd_id, "survey"))
        command = CreateSurvey(
            survey_id=survey_id, owner_unit_id=body.owner_unit_id, definition=body.to_definition()
        )
        await run(request, state, principal, command, cmd_id, status=201)
        return Redirect(f"/admin/surveys/{survey_id}", status_code=303)

    @get("/admin/surveys/{survey_id:str}", opt={"role": "admin"}, include_in_schema=False)
    async def detail(
        self,
        survey_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Template:
        pool = state.resources.pool
        owner = await require_survey(state, principal, survey_id, "admin")
        view = await survey_catalogue(pool, survey_id)
        ballots, issues = [], []
        if view.cycle:
            c = await load_cycle(pool, survey_id, None)
            ballots = await ballot_accounting(pool, c, owner, c.definition.access == "code")
            issues = await issues_of(pool, survey_id, c.cycle)
        units = await open_units(pool, principal.units_with("admin"))
        return await page(
            request,
            "admin_survey.html",
            view=view,
            ballots=ballots,
            issues=issues,
            units=units,
            names={u.unit_id: u.name for u in units},
        )

    @post(
        "/admin/surveys/{survey_id:str}/publish",
        opt={"role": "admin"},
        include_in_schema=False,
        status_code=303,
    )
    async def publish(
        self,
        survey_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Redirect:
        raw = await raw_form(request)
        body = decode(raw, ManifestIn, lists=("segment_questions",))
        manifest = PrivacyManifest(
            k=body.k,
            comment_threshold=body.comment_threshold,
            segment_questions=tuple(body.segment_questions),
            release_after_minutes=body.release_after_minutes,
        )
        command = PublishSurvey(survey_id=survey_id, manifest=manifest, units=(), now=state.clock.now())
        return await _edit(request, state, principal, command, command_id(raw))

    @post(
        "/admin/surveys/{survey_id:str}/close",
        opt={"role": "admin"},
        include_in_schema=False,
        status_code=303,
    )
    async def close(
        self,
        survey_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Redirect:
        raw = await raw_form(request)
        command = CloseSurvey(survey_id=survey_id, now=state.clock.now())
        return await _edit(request, state, principal, command, command_id(raw))

    @post(
        "/admin/surveys/{survey_id:str}/invitations",
        opt={"role": "admin"},
        include_in_schema=False,
        status_code=303,
    )
    async def invite(
        self,
        survey_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Redirect:
        form, cmd_id = await staff_form(request, InvitationsForm)
        await require_survey(state, principal, survey_id, "admin")
        await require_unit(state.resources.pool, principal, form.unit_id, "admin")
        command = IssueInvitations(
            survey_id=survey_id,
            unit_id=form.unit_id,
            issue_id=str(uuid.uuid5(cmd_id, "issue")),
            count=form.count,
        )
        outcome = await handle(
            state.resources.store,
            command,
            command_id=cmd_id,
            actor=principal.account_id,
            secret=await service_secret(state),
        )
        if outcome.position is not None:  # read-your-writes: the page shows the codes issued
            await wait_for(state.resources.pool, PROJECTIONS, outcome.position)
        return Redirect(f"/admin/surveys/{survey_id}", status_code=303)

    @get(
        "/admin/surveys/{survey_id:str}/sheet/{issue_id:str}", opt={"role": "admin"}, include_in_schema=False
    )
    async def sheet(
        self,
        survey_id: FromPath[str],
        issue_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Template:
        """A printable sheet: one card per code. The QR link carries the code after '#', which
        browsers never send to a server: it reaches the form only."""
        codes, unit_id, title = await invitation_codes(state, principal, survey_id, issue_id)
        base = str(request.base_url).rstrip("/")
        cards = [
            (c, segno.make(f"{base}/s/{survey_id}#code={c}", error="m").svg_data_uri(scale=4)) for c in codes
        ]
        names = {u.unit_id: u.name for u in await open_units(state.resources.pool, [unit_id])}
        return await page(
            request,
            "admin_sheet.html",
            headers={"Cache-Control": "no-store"},
            cards=cards,
            title=title,
            unit_name=names.get(unit_id, ""),
            base=base,
            survey_id=survey_id,
        )


async def _edit(
    request: Request[Any, Any, Any], state: State, principal: Principal, command: Any, cmd_id: uuid.UUID
) -> Redirect:
    await require_survey(state, principal, command.survey_id, "admin")
    await run(request, state, principal, command, cmd_id)
    return Redirect(f"/admin/surveys/{command.survey_id}", status_code=303)
