"""Matrix examples for the access, units and audit endpoints."""

from __future__ import annotations

from tests.support.access import PASSWORD, create_account, create_unit
from tests.support.matrix import Ctx, Req, register, simple


def target(c: Ctx) -> str:
    return c.world.accounts["target.in" if c.where == "in" else "target.out"]


async def _fresh_unit(c: Ctx) -> str:
    w = c.world
    return await create_unit(w, w.units["A" if c.where == "in" else "B"], w.fresh("新单位"))


async def _own_token(c: Ctx) -> str:
    """A token of the caller (of root when signed out: any token id will do for a 401)."""
    w = c.world
    r = await w.client.post("/api/v1/auth/tokens", headers=c.auth or w.root, json={"label": "m"})
    assert r.status_code == 201, r.text
    w.secrets.append(r.json()["token"])
    return str(r.json()["token_id"])


async def _move(c: Ctx) -> Req:
    return Req("POST", f"/api/v1/units/{await _fresh_unit(c)}/move", {"parent_id": c.unit})


async def _close(c: Ctx) -> Req:
    return Req("POST", f"/api/v1/units/{await _fresh_unit(c)}/close")


async def _disable(c: Ctx) -> Req:
    fresh = await create_account(c.world, c.world.fresh("fresh."), c.unit)
    return Req("POST", f"/api/v1/accounts/{fresh}/disable")


async def _revoke_token(c: Ctx) -> Req:
    return Req("DELETE", f"/api/v1/auth/tokens/{await _own_token(c)}")


async def _sign_out(c: Ctx) -> Req:
    return Req("POST", "/api/v1/auth/sign-out", fresh_session=True)


register(
    {
        "sign_out": _sign_out,
        "who_am_i": simple("GET", lambda c: "/api/v1/auth/me"),
        "issue_api_token": simple("POST", lambda c: "/api/v1/auth/tokens", lambda c: {"label": "t"}),
        "list_api_tokens": simple("GET", lambda c: "/api/v1/auth/tokens"),
        "revoke_api_token": _revoke_token,
        "change_own_password": simple(
            "PUT",
            lambda c: "/api/v1/auth/password",
            lambda c: {"current_password": PASSWORD, "new_password": PASSWORD},
        ),
        "create_unit": simple(
            "POST",
            lambda c: "/api/v1/units",
            lambda c: {"parent_id": c.unit, "name": c.world.fresh("组"), "kind": "department"},
        ),
        "list_units": simple("GET", lambda c: "/api/v1/units"),
        "get_unit": simple("GET", lambda c: f"/api/v1/units/{c.unit}"),
        "get_unit_subtree": simple("GET", lambda c: f"/api/v1/units/{c.unit}/subtree"),
        "rename_unit": simple(
            "POST", lambda c: f"/api/v1/units/{c.unit}/rename", lambda c: {"name": c.world.fresh("处")}
        ),
        "move_unit": _move,
        "set_unit_headcount": simple(
            "POST", lambda c: f"/api/v1/units/{c.unit}/headcount", lambda c: {"headcount": c.world.n}
        ),
        "close_unit": _close,
        "create_account": simple(
            "POST",
            lambda c: "/api/v1/accounts",
            lambda c: {
                "login": c.world.fresh("new."),
                "display_name": "New",
                "unit_id": c.unit,
                "password": PASSWORD,
            },
        ),
        "list_accounts": simple("GET", lambda c: f"/api/v1/accounts?unit={c.unit}"),
        "get_account": simple("GET", lambda c: f"/api/v1/accounts/{target(c)}"),
        "grant_role": simple(
            "POST",
            lambda c: f"/api/v1/accounts/{target(c)}/roles",
            lambda c: {"unit_id": c.unit, "role": "handler"},
        ),
        "revoke_role": simple("DELETE", lambda c: f"/api/v1/accounts/{target(c)}/roles/{c.unit}/handler"),
        "disable_account": _disable,
        "rename_account": simple(
            "POST",
            lambda c: f"/api/v1/accounts/{target(c)}/rename",
            lambda c: {"display_name": c.world.fresh("名")},
        ),
        "reset_password": simple(
            "PUT", lambda c: f"/api/v1/accounts/{target(c)}/password", lambda c: {"password": PASSWORD}
        ),
        "audit_trail": simple("GET", lambda c: f"/api/v1/audit?unit={c.unit}"),
    },
    unscoped={
        "sign_out",
        "who_am_i",
        "issue_api_token",
        "list_api_tokens",
        "revoke_api_token",
        "change_own_password",
        "list_units",
    },
    public={("POST", "/api/v1/auth/sign-in")},
)
