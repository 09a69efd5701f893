"""The authorisation matrix, generated from the app's route table.

Every endpoint × signed out × every role × a resource inside / outside the role's subtree,
asserting 401 / 403 / 404 / 2xx. A route that declares no role, or that has no example
request below, fails the suite: adding an endpoint means deciding who may call it here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from services.access.guards import REQUIREMENTS
from tests.support.access import (
    PASSWORD,
    ROLES,
    Auth,
    World,
    create_account,
    create_unit,
    settings,
    sign_in,
    world,
)

pytestmark = pytest.mark.api
__all__ = ["settings", "world"]  # fixtures used from tests.support.access

# Public routes are listed by hand: making a route public is a decision worth a review.
PUBLIC = {("GET", "/health"), ("GET", "/ready"), ("POST", "/api/v1/auth/sign-in")}
PUBLIC_PREFIX = "/api/schema"  # the OpenAPI documents


@dataclass
class Req:
    method: str
    path: str
    json: Any = None
    fresh_session: bool = False  # the request ends the session (sign-out): use a new one


Example = Callable[[World, str, dict[str, str]], Awaitable[Req]]


def unit(w: World, where: str) -> str:
    return w.units["A1" if where == "in" else "B1"]


def target(w: World, where: str) -> str:
    return w.accounts["target.in" if where == "in" else "target.out"]


async def _fresh_unit(w: World, where: str) -> str:
    return await create_unit(w, w.units["A" if where == "in" else "B"], w.fresh("新单位"))


async def _fresh_account(w: World, where: str) -> str:
    return await create_account(w, w.fresh("fresh."), unit(w, where))


async def _own_token(w: World, auth: dict[str, str]) -> str:
    """A token of the caller (of root when signed out: any token id will do for a 401)."""
    r = await w.client.post("/api/v1/auth/tokens", headers=auth or w.root, json={"label": "m"})
    assert r.status_code == 201, r.text
    w.secrets.append(r.json()["token"])
    return str(r.json()["token_id"])


async def _move(w: World, where: str, _: dict[str, str]) -> Req:
    return Req("POST", f"/api/v1/units/{await _fresh_unit(w, where)}/move", {"parent_id": unit(w, where)})


async def _close(w: World, where: str, _: dict[str, str]) -> Req:
    return Req("POST", f"/api/v1/units/{await _fresh_unit(w, where)}/close")


async def _disable(w: World, where: str, _: dict[str, str]) -> Req:
    return Req("POST", f"/api/v1/accounts/{await _fresh_account(w, where)}/disable")


async def _revoke_token(w: World, where: str, auth: dict[str, str]) -> Req:
    return Req("DELETE", f"/api/v1/auth/tokens/{await _own_token(w, auth)}")


def simple(
    method: str, path: Callable[[World, str], str], body: Callable[[World, str], Any] = lambda w, where: None
) -> Example:
    async def example(w: World, where: str, _: dict[str, str]) -> Req:
        return Req(method, path(w, where), body(w, where))

    return example


async def _sign_out(w: World, where: str, _: dict[str, str]) -> Req:
    return Req("POST", "/api/v1/auth/sign-out", fresh_session=True)


EXAMPLES: dict[str, Example] = {
    "sign_out": _sign_out,
    "who_am_i": simple("GET", lambda w, x: "/api/v1/auth/me"),
    "issue_api_token": simple("POST", lambda w, x: "/api/v1/auth/tokens", lambda w, x: {"label": "t"}),
    "list_api_tokens": simple("GET", lambda w, x: "/api/v1/auth/tokens"),
    "revoke_api_token": _revoke_token,
    "change_own_password": simple(
        "PUT",
        lambda w, x: "/api/v1/auth/password",
        lambda w, x: {"current_password": PASSWORD, "new_password": PASSWORD},
    ),
    "create_unit": simple(
        "POST",
        lambda w, x: "/api/v1/units",
        lambda w, x: {"parent_id": unit(w, x), "name": w.fresh("组"), "kind": "department"},
    ),
    "list_units": simple("GET", lambda w, x: "/api/v1/units"),
    "get_unit": simple("GET", lambda w, x: f"/api/v1/units/{unit(w, x)}"),
    "get_unit_subtree": simple("GET", lambda w, x: f"/api/v1/units/{unit(w, x)}/subtree"),
    "rename_unit": simple(
        "POST", lambda w, x: f"/api/v1/units/{unit(w, x)}/rename", lambda w, x: {"name": w.fresh("处")}
    ),
    "move_unit": _move,
    "set_unit_headcount": simple(
        "POST", lambda w, x: f"/api/v1/units/{unit(w, x)}/headcount", lambda w, x: {"headcount": w.n}
    ),
    "close_unit": _close,
    "create_account": simple(
        "POST",
        lambda w, x: "/api/v1/accounts",
        lambda w, x: {
            "login": w.fresh("new."),
            "display_name": "New",
            "unit_id": unit(w, x),
            "password": PASSWORD,
        },
    ),
    "list_accounts": simple("GET", lambda w, x: f"/api/v1/accounts?unit={unit(w, x)}"),
    "get_account": simple("GET", lambda w, x: f"/api/v1/accounts/{target(w, x)}"),
    "grant_role": simple(
        "POST",
        lambda w, x: f"/api/v1/accounts/{target(w, x)}/roles",
        lambda w, x: {"unit_id": unit(w, x), "role": "handler"},
    ),
    "revoke_role": simple(
        "DELETE", lambda w, x: f"/api/v1/accounts/{target(w, x)}/roles/{unit(w, x)}/handler"
    ),
    "disable_account": _disable,
    "reset_password": simple(
        "PUT", lambda w, x: f"/api/v1/accounts/{target(w, x)}/password", lambda w, x: {"password": PASSWORD}
    ),
    "audit_trail": simple("GET", lambda w, x: f"/api/v1/audit?unit={unit(w, x)}"),
}
UNSCOPED = {
    "sign_out",
    "who_am_i",
    "issue_api_token",
    "list_api_tokens",
    "revoke_api_token",
    "change_own_password",
    "list_units",
}


def endpoints(app: Litestar) -> list[tuple[str, str, dict[str, Any], str | None]]:
    """(method, path, opt, operation id) of every route the app serves, OPTIONS aside."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                op = handler.operation_id if isinstance(handler.operation_id, str) else None
                found.append((method, route.path, dict(handler.opt), op))
    return found


def test_every_route_declares_public_or_a_known_role(app: Litestar) -> None:
    for method, path, opt, op in endpoints(app):
        if opt.get("public") is True:
            assert (method, path) in PUBLIC or path.startswith(PUBLIC_PREFIX), (
                f"{method} {path} is public but not in the reviewed PUBLIC list"
            )
            continue
        assert opt.get("role") in REQUIREMENTS, f"{method} {path} declares no role"
        assert op in EXAMPLES, f"{method} {path} ({op}) has no example in the matrix"


def expected(need: str, role: str, op: str, where: str) -> set[int]:
    if need != "account" and role not in REQUIREMENTS[need]:
        return {403}
    if where == "out" and op not in UNSCOPED:
        return {404}
    return {200, 201, 204}


async def test_authorisation_matrix(app: Litestar, world: World) -> None:
    failures = []
    routes = [(m, p, o, op) for m, p, o, op in endpoints(app) if o.get("public") is not True]
    assert len(routes) >= len(EXAMPLES)
    for method, path, opt, op in routes:
        assert op is not None
        need = opt["role"]
        for who in (None, *ROLES):
            for where in ("in", "out"):
                auth = await _auth(world, who)
                req = await EXAMPLES[op](world, where, auth.headers() if auth else {})
                assert (req.method, _shape(req.path)) == (method, _shape(path)), op
                if req.fresh_session and who is not None:
                    auth = await sign_in(world, who)
                r = await world.client.request(
                    req.method, req.path, json=req.json, headers=auth.headers() if auth else {}
                )
                want = {401} if who is None else expected(need, who, op, where)
                if r.status_code not in want:
                    failures.append(
                        f"{op} as {who or 'signed out'} {where}: {r.status_code} "
                        f"not in {sorted(want)}: {r.text[:120]}"
                    )
    assert failures == [], "\n".join(failures)


async def _auth(world: World, who: str | None) -> Auth | None:
    return None if who is None else world.auth[who]


def _shape(path: str) -> int:
    return path.split("?")[0].count("/")
