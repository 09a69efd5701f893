"""The respondent's side, public: read the published form (with its privacy manifest) and
answer it. No account, no cookie; the client address is used only for the open link's
rate limit, through a rotating HMAC, and is never stored."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from litestar.params import FromPath

from events.surveys import Definition, PrivacyManifest
from services.commanding import strict_body
from services.encoded import EncodedJson
from services.surveys.decider import SurveyNotPublished
from services.surveys.intake.accept import Accepted, AnswerBody, accept
from services.surveys.intake.forms import published_form
from services.surveys.intake.front import ROUTE_NAME


class PublicForm(msgspec.Struct, frozen=True, kw_only=True):
    survey_id: str
    cycle: int
    version_digest: str
    definition: Definition
    manifest: PrivacyManifest  # what the respondent is promised: k, comment threshold, segments
    units: list[dict[str, str]]  # open link: the units a respondent chooses from


class IntakeController(Controller):
    path = "/api/v1/public/surveys/{survey_id:str}"
    tags = ("survey intake",)

    @get("/", operation_id="survey_form", opt={"public": True})
    async def form(self, survey_id: FromPath[str], state: State) -> PublicForm:
        """The published version of a survey's current cycle, with its privacy manifest."""
        f = await published_form(state.resources.pool, survey_id)
        if f.status != "published":
            raise SurveyNotPublished()
        units = [] if f.definition.access == "code" else [{"unit_id": u, "name": n} for u, n in f.units]
        return PublicForm(
            survey_id=survey_id,
            cycle=f.cycle,
            version_digest=f.version_digest,
            definition=f.definition,
            manifest=f.manifest,
            units=units,
        )

    @post(
        "/answers",
        operation_id="answer_survey",
        name=ROUTE_NAME,  # answered by the front door (front.py) unless tracing is on
        opt={"public": True},
        status_code=202,
        responses={202: ResponseSpec(data_container=Accepted, description="In the mixing pool")},
    )
    async def answer(self, request: Request[Any, Any, Any]) -> EncodedJson:
        """Answer anonymously. 202 once the answer is durably in the mixing pool; a retry with the
        same submission id never makes a second answer. Raised free texts return receipt codes."""
        # The survey id and the state come from the request itself: one injected parameter
        # instead of three is measurably cheaper on the hottest route (the path stays typed).
        survey_id: str = request.path_params["survey_id"]
        body = await strict_body(request, AnswerBody)
        address = request.client.host if request.client else ""
        accepted = await accept(request.app.state, survey_id, body, address)
        return EncodedJson(accepted, 202)
