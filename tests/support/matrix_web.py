"""Matrix examples for the web pages (services/web/), keyed "METHOD /path" (pages have no
operation id). Page forms are sent form-encoded; the CSRF token travels in the header, as
the guard also accepts. Pages for people without an account are listed as public."""

from __future__ import annotations

from typing import Any

from tests.support.matrix import Ctx, Example, Req, register, simple
from tests.support.matrix_cases import raise_case, walk
from tests.support.surveys import create_survey, publish


def form(method: str, path: Any, body: Any) -> Example:
    async def example(c: Ctx) -> Req:
        return Req(method, path(c), form=body(c))

    return example


async def _case_page(c: Ctx) -> Req:
    return Req("GET", f"/work/cases/{(await raise_case(c))[0]}")


async def _handler_step(c: Ctx) -> Req:
    case_id, _ = await raise_case(c)
    return Req("POST", f"/work/cases/{case_id}/accept", form={})


async def _leader_step(c: Ctx) -> Req:
    case_id, code = await raise_case(c)
    if c.reaches:
        await walk(c, case_id, code, "escalate")
    return Req("POST", f"/lead/cases/{case_id}/escalate", form={"reason": "久拖未决"})


async def _survey(c: Ctx, state: str = "draft", access: str = "open") -> str:
    survey = await create_survey(c.world, c.unit, access)
    if state == "published":
        await publish(c.world, survey, segment_questions=[])
    return survey


async def _survey_page(c: Ctx) -> Req:
    return Req("GET", f"/admin/surveys/{await _survey(c)}")


async def _publish(c: Ctx) -> Req:
    body = {"k": "5", "comment_threshold": "10", "release_after_minutes": "360"}
    return Req("POST", f"/admin/surveys/{await _survey(c)}/publish", form=body)


async def _close(c: Ctx) -> Req:
    return Req("POST", f"/admin/surveys/{await _survey(c, 'published')}/close", form={})


async def _invite(c: Ctx) -> Req:
    survey = await _survey(c, "published", "code")
    return Req("POST", f"/admin/surveys/{survey}/invitations", form={"unit_id": c.unit, "count": "3"})


async def _sheet(c: Ctx) -> Req:
    survey = await _survey(c, "published", "code")
    r = await c.world.client.post(
        f"/api/v1/surveys/{survey}/invitations", headers=c.world.root, json={"unit_id": c.unit, "count": 2}
    )
    assert r.status_code == 201, r.text
    return Req("GET", f"/admin/surveys/{survey}/sheet/{r.json()['issue_id']}")


def _new_survey(c: Ctx) -> dict[str, str]:
    return {
        "owner_unit_id": c.unit,
        "title_zh": "测评",
        "access": "open",
        "q1_text_zh": "满意吗",
        "q1_kind": "likert",
    }


def _new_account(c: Ctx) -> dict[str, str]:
    login = c.world.fresh("web.user")
    return {
        "login": login,
        "display_name": "网页用户",
        "unit_id": c.unit,
        "password": "a long first password",
    }


def _role(c: Ctx) -> dict[str, str]:
    target = c.world.accounts["target.in" if c.where == "in" else "target.out"]
    return {"account_id": target, "unit_id": c.unit, "role": "handler", "action": "grant"}


register(
    {
        "GET /work": simple("GET", lambda c: "/work"),
        "GET /work/cases/{case_id:str}": _case_page,
        "POST /work/cases/{case_id:str}/{op:str}": _handler_step,
        "POST /lead/cases/{case_id:str}/{op:str}": _leader_step,
        "GET /lead": simple("GET", lambda c: f"/lead?unit={c.unit}"),
        "GET /lead/live": simple("GET", lambda c: "/lead/live?probe=true"),
        "POST /signout": lambda c: _signout(),
        "GET /admin": simple("GET", lambda c: "/admin"),
        "GET /admin/surveys/new": simple("GET", lambda c: "/admin/surveys/new"),
        "POST /admin/units": form(
            "POST",
            lambda c: "/admin/units",
            lambda c: {"parent_id": c.unit, "name": c.world.fresh("科室"), "kind": "department"},
        ),
        "POST /admin/accounts": form("POST", lambda c: "/admin/accounts", _new_account),
        "POST /admin/roles": form("POST", lambda c: "/admin/roles", _role),
        "POST /admin/surveys": form("POST", lambda c: "/admin/surveys", _new_survey),
        "GET /admin/surveys/{survey_id:str}": _survey_page,
        "POST /admin/surveys/{survey_id:str}/publish": _publish,
        "POST /admin/surveys/{survey_id:str}/close": _close,
        "POST /admin/surveys/{survey_id:str}/invitations": _invite,
        "GET /admin/surveys/{survey_id:str}/sheet/{issue_id:str}": _sheet,
    },
    # the queue, the menus, the builder and the live stream cover the caller's own subtrees
    unscoped={"GET /work", "GET /lead/live", "POST /signout", "GET /admin", "GET /admin/surveys/new"},
    public={
        ("GET", "/"),
        ("GET", "/lang/{code:str}"),
        ("GET", "/static/{file_path:path}"),
        ("GET", "/signin"),
        ("POST", "/signin"),
        ("GET", "/problem"),
        ("POST", "/problem"),
        ("GET", "/receipt"),
        ("POST", "/receipt"),
        ("POST", "/receipt/reply"),
        ("POST", "/receipt/rate"),
        ("POST", "/receipt/withdraw"),
        ("POST", "/receipt/reopen"),
        ("GET", "/s/{survey_id:str}"),
        ("POST", "/s/{survey_id:str}"),
    },
)


async def _signout() -> Req:
    return Req("POST", "/signout", form={}, fresh_session=True)
