"""The survey form for staff: one question group (dimension) per screen, the privacy manifest
first, an honest confirmation after. No account, no cookie.

The invitation code is typed (or carried in the link's #fragment, which browsers never
send to a server) and travels only in the POST body. Answers go through the surveys
slice's own intake (validation, rate limit, mixing pool); the draft stays in the browser.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from events.surveys import Definition, Dimension, Question
from services.access.guards import CSRF_FIELD
from services.access.keys import service_secret
from services.surveys.decider import SurveyNotPublished
from services.surveys.intake.accept import AnswerBody, accept
from services.surveys.intake.forms import published_form
from services.surveys.model import LIKERT
from services.web.forms import BadForm, StaleForm, anonymous_ok, raw_form
from services.web.render import PRIVATE, page

OTHER = "_other"  # questions in no dimension


def groups(d: Definition) -> list[tuple[Dimension | None, list[Question]]]:
    """Questions grouped by dimension in the definition's order; undimensioned ones last."""
    by_dim: dict[str, list[Question]] = {}
    for q in d.questions:
        by_dim.setdefault(q.dimension or OTHER, []).append(q)
    out: list[tuple[Dimension | None, list[Question]]] = [
        (dim, by_dim[dim.id]) for dim in d.dimensions if dim.id in by_dim
    ]
    if OTHER in by_dim:
        out.append((None, by_dim[OTHER]))
    return out


class SurveyPages(Controller):
    @get("/s/{survey_id:str}", opt={"public": True}, include_in_schema=False)
    async def form(
        self,
        survey_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        code: FromQuery[Annotated[str, msgspec.Meta(max_length=64)] | None] = None,
    ) -> Template | Redirect:
        if code is not None:  # a link with ?code= (the API's CSV and sheet): move it behind '#'
            return Redirect(f"/s/{quote(survey_id)}#code={quote(code)}", status_code=303, headers=PRIVATE)
        f = await published_form(state.resources.pool, survey_id)
        if f.status != "published":
            raise SurveyNotPublished()
        return await page(
            request,
            "survey_form.html",
            headers=PRIVATE,
            form=f,
            groups=groups(f.definition),
            likert=LIKERT,
            submission_id=secrets.token_urlsafe(16),
        )

    @post("/s/{survey_id:str}", opt={"public": True}, include_in_schema=False, status_code=200)
    async def answer(
        self, survey_id: FromPath[str], request: Request[Any, Any, Any], state: State
    ) -> Template:
        raw = await raw_form(request)
        if not anonymous_ok(
            await service_secret(state), state.clock.now(), (raw.get(CSRF_FIELD) or [""])[-1]
        ):
            raise StaleForm()
        f = await published_form(state.resources.pool, survey_id)
        body = to_answer(f.definition, raw)
        address = request.client.host if request.client else ""
        accepted = await accept(state, survey_id, body, address)
        return await page(
            request,
            "survey_done.html",
            headers=PRIVATE,
            form=f,
            accepted=accepted,
            questions={q.id: q for q in f.definition.questions},
        )


def to_answer(d: Definition, raw: dict[str, list[str]]) -> AnswerBody:
    """The form's fields as the intake's AnswerBody; the intake then validates strictly."""
    answers: dict[str, Any] = {}
    for q in d.questions:
        values = [v for v in raw.get(f"q.{q.id}", []) if v != ""]
        if not values:
            continue
        if q.kind == "multiple":
            answers[q.id] = values
        elif q.kind in ("rating5", "recommend10"):
            if not values[-1].isdigit():
                raise BadForm(f"{q.id}: a number")
            answers[q.id] = int(values[-1])
        else:
            answers[q.id] = values[-1]
    one = {k: (v[-1] if v else "") for k, v in raw.items()}
    body = {
        "submission_id": one.get("submission_id", ""),
        "answers": answers,
        "code": one.get("code", "").strip() or None,
        "unit_id": one.get("unit_id") or None,
        "raise_as_problem": [q for q in raw.get("raise", []) if q in answers],
    }
    try:  # converting (not constructing) checks every length, pattern and type
        return msgspec.convert(body, AnswerBody)
    except msgspec.ValidationError as exc:
        raise BadForm(str(exc)) from None
