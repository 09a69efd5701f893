"""Surveys over HTTP for admins: define, revise, publish, close, change how scores count.

Every route works on a survey owned inside the caller's admin subtree (else 404).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath

from events.surveys import PrivacyManifest
from projections.runner import wait_for
from services.access.guards import Principal
from services.access.keys import service_secret
from services.access.scope import require_unit
from services.commanding import command_id_from, expected_from, strict_body
from services.surveys.bodies import DefinitionIn, ManifestIn, NewSurvey, ScoreDefinitionIn
from services.surveys.commands import (
    ChangeScoreDefinition,
    CloseSurvey,
    CreateSurvey,
    PublishSurvey,
    ReviseSurvey,
    SurveyCommand,
)
from services.surveys.handle import handle
from services.surveys.intake import forms
from services.surveys.queries import SurveyView, survey_catalogue, survey_owner, surveys_in

PROJECTIONS = ["survey_catalogue", "satisfaction_by_unit", "survey_free_text", "ballot_accounting"]


class SurveyController(Controller):
    path = "/api/v1/surveys"
    tags = ("surveys",)

    @post("/", operation_id="create_survey", opt={"role": "admin"}, status_code=201)
    async def create_survey(
        self, request: Request[Any, Any, Any], state: State, principal: NamedDependency[Principal]
    ) -> Response[SurveyView]:
        """Create a draft survey owned by a unit in the caller's subtree (default dimensions: 五个好)."""
        body = await strict_body(request, NewSurvey)
        await require_unit(state.resources.pool, principal, body.owner_unit_id, "admin")
        command_id = command_id_from(request.headers, state.ids)
        survey_id = str(uuid.uuid5(command_id, "survey"))  # a retried request names the same survey
        command = CreateSurvey(
            survey_id=survey_id, owner_unit_id=body.owner_unit_id, definition=body.to_definition()
        )
        return await run(request, state, principal, command, command_id, status=201)

    @get("/", operation_id="list_surveys", opt={"role": "staff"})
    async def list_surveys(self, state: State, principal: NamedDependency[Principal]) -> list[SurveyView]:
        """Surveys owned anywhere in the caller's subtrees."""
        return await surveys_in(state.resources.pool, principal.units_with("staff"))

    @get("/{survey_id:str}", operation_id="get_survey", opt={"role": "staff"})
    async def get_survey(
        self, survey_id: FromPath[str], state: State, principal: NamedDependency[Principal]
    ) -> Response[SurveyView]:
        """One survey: definition, status, cycle, version hash and privacy manifest."""
        await require_survey(state, principal, survey_id, "staff")
        return await _view(state, survey_id)

    @put("/{survey_id:str}", operation_id="revise_survey", opt={"role": "admin"})
    async def revise_survey(
        self,
        survey_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[SurveyView]:
        """Replace the definition of a draft (or of a closed survey before its next cycle)."""
        body = await strict_body(request, DefinitionIn)
        command = ReviseSurvey(survey_id=survey_id, definition=body.to_definition())
        return await edit(request, state, principal, command)

    @post("/{survey_id:str}/publish", operation_id="publish_survey", opt={"role": "admin"}, status_code=200)
    async def publish_survey(
        self,
        survey_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[SurveyView]:
        """Publish the next cycle: freeze the version, its privacy manifest and the unit tree."""
        body = await strict_body(request, ManifestIn)
        manifest = PrivacyManifest(
            k=body.k,
            comment_threshold=body.comment_threshold,
            segment_questions=tuple(body.segment_questions),
            release_after_minutes=body.release_after_minutes,
        )
        command = PublishSurvey(survey_id=survey_id, manifest=manifest, units=(), now=state.clock.now())
        return await edit(request, state, principal, command)

    @post("/{survey_id:str}/close", operation_id="close_survey", opt={"role": "admin"}, status_code=200)
    async def close_survey(
        self,
        survey_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[SurveyView]:
        """Close the cycle: no more answers; everything still in the pool is released now."""
        return await edit(request, state, principal, CloseSurvey(survey_id=survey_id, now=state.clock.now()))

    @post(
        "/{survey_id:str}/score-definition",
        operation_id="change_score_definition",
        opt={"role": "admin"},
        status_code=200,
    )
    async def change_score_definition(
        self,
        survey_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[SurveyView]:
        """Change how scores are computed (weights, favourable cut-offs): a new version."""
        body = await strict_body(request, ScoreDefinitionIn)
        command = ChangeScoreDefinition(
            survey_id=survey_id,
            likert_weights=dict(body.likert_weights),
            favourable_likert=tuple(body.favourable_likert),
            rating_favourable_min=body.rating_favourable_min,
            recommend_favourable_min=body.recommend_favourable_min,
            now=state.clock.now(),
        )
        return await edit(request, state, principal, command)


async def require_survey(state: State, principal: Principal, survey_id: str, need: str) -> str:
    owner = await survey_owner(state.resources.pool, survey_id)
    await require_unit(state.resources.pool, principal, owner, need)
    return owner


async def edit(
    request: Request[Any, Any, Any], state: State, principal: Principal, command: SurveyCommand
) -> Response[SurveyView]:
    await require_survey(state, principal, command.survey_id, "admin")
    return await run(request, state, principal, command, command_id_from(request.headers, state.ids))


async def run(
    request: Request[Any, Any, Any],
    state: State,
    principal: Principal,
    command: SurveyCommand,
    command_id: uuid.UUID,
    status: int = 200,
) -> Response[SurveyView]:
    outcome = await handle(
        state.resources.store,
        command,
        command_id=command_id,
        actor=principal.account_id,
        secret=await service_secret(state),
        expected=expected_from(request.headers),
    )
    if outcome.position is not None:  # read-your-writes: the answer shows the change
        await wait_for(state.resources.pool, PROJECTIONS, outcome.position)
    forms.forget(command.survey_id)
    return await _view(state, command.survey_id, status)


async def _view(state: State, survey_id: str, status: int = 200) -> Response[SurveyView]:
    view = await survey_catalogue(state.resources.pool, survey_id)
    return Response(view, status_code=status, headers={"ETag": f'"{view.version}"'})
