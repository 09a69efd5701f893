"""Matrix examples for the survey endpoints: admin design and distribution, leader results,
and the two public intake routes (reviewed: a respondent has no account by design)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tests.support.matrix import Ctx, Req, register, simple
from tests.support.surveys import QUESTIONS, create_survey, publish

PUBLIC_ROUTES = {
    ("GET", "/api/v1/public/surveys/{survey_id:str}"),
    ("POST", "/api/v1/public/surveys/{survey_id:str}/answers"),
}


async def _kept(c: Ctx, kind: str, make: Callable[[], Awaitable[str]]) -> str:
    """One survey of a kind per place, made on first use (by root, who may do anything)."""
    cache: dict[tuple[str, str], str] = c.world.__dict__.setdefault("matrix_surveys", {})
    if (kind, c.where) not in cache:
        cache[(kind, c.where)] = await make()
    return cache[(kind, c.where)]


async def _draft(c: Ctx) -> str:
    return await _kept(c, "draft", lambda: create_survey(c.world, c.unit))


async def _published(c: Ctx, access: str = "open") -> str:
    async def make() -> str:
        survey = await create_survey(c.world, c.unit, access)
        await publish(c.world, survey)
        return survey

    return await _kept(c, f"published-{access}", make)


async def _issue(c: Ctx) -> tuple[str, str]:
    survey = await _published(c, "code")

    async def make() -> str:
        r = await c.world.client.post(
            f"/api/v1/surveys/{survey}/invitations",
            headers=c.world.root,
            json={"unit_id": c.unit, "count": 3},
        )
        assert r.status_code == 201, r.text
        return str(r.json()["issue_id"])

    return survey, await _kept(c, "issue", make)


async def _publish(c: Ctx) -> Req:
    fresh = await create_survey(c.world, c.unit)
    return Req("POST", f"/api/v1/surveys/{fresh}/publish", {"k": 5})


async def _close(c: Ctx) -> Req:
    fresh = await create_survey(c.world, c.unit)
    await publish(c.world, fresh)
    return Req("POST", f"/api/v1/surveys/{fresh}/close")


async def _revise(c: Ctx) -> Req:
    return Req("PUT", f"/api/v1/surveys/{await _draft(c)}", {"title": {"zh": "改"}, "questions": QUESTIONS})


async def _score(c: Ctx) -> Req:
    weights = {"satisfied": 100.0, "basically_satisfied": 70.0, "dissatisfied": 0.0}
    body = {"likert_weights": weights, "favourable_likert": ["satisfied"]}
    return Req("POST", f"/api/v1/surveys/{await _draft(c)}/score-definition", body)


async def _invite(c: Ctx) -> Req:
    return Req(
        "POST", f"/api/v1/surveys/{await _published(c, 'code')}/invitations", {"unit_id": c.unit, "count": 2}
    )


async def _codes(c: Ctx) -> Req:
    survey, issue = await _issue(c)
    return Req("GET", f"/api/v1/surveys/{survey}/invitations/{issue}/codes.csv")


async def _sheet(c: Ctx) -> Req:
    survey, issue = await _issue(c)
    return Req("GET", f"/api/v1/surveys/{survey}/invitations/{issue}/sheet")


def _leader(tail: str) -> Callable[[Ctx], Awaitable[Req]]:
    async def example(c: Ctx) -> Req:
        return Req("GET", f"/api/v1/surveys/{await _published(c)}/{tail}?unit={c.unit}")

    return example


async def _get(c: Ctx) -> Req:
    return Req("GET", f"/api/v1/surveys/{await _draft(c)}")


async def _list_invitations(c: Ctx) -> Req:
    return Req("GET", f"/api/v1/surveys/{await _published(c, 'code')}/invitations?unit={c.unit}")


async def _release(c: Ctx) -> Req:
    return Req("POST", f"/api/v1/surveys/{await _published(c)}/release")


register(
    {
        "create_survey": simple(
            "POST",
            lambda c: "/api/v1/surveys",
            lambda c: {"owner_unit_id": c.unit, "title": {"zh": "测评"}, "questions": QUESTIONS},
        ),
        "list_surveys": simple("GET", lambda c: "/api/v1/surveys"),
        "get_survey": _get,
        "revise_survey": _revise,
        "publish_survey": _publish,
        "close_survey": _close,
        "change_score_definition": _score,
        "issue_invitations": _invite,
        "list_invitations": _list_invitations,
        "invitation_codes_csv": _codes,
        "invitation_sheet": _sheet,
        "release_survey_pool": _release,
        "survey_results": _leader("results"),
        "survey_heatmap": _leader("heatmap"),
        "survey_trend": _leader("trend"),
        "survey_response_rates": _leader("response-rates"),
        "survey_ballots": _leader("ballots"),
        "survey_free_text": _leader("free-text"),
        "export_survey_table": _leader("export/results"),
    },
    unscoped={"list_surveys"},
    public=PUBLIC_ROUTES,
)
