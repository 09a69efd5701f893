"""The authorisation matrix, generated from the app's route table.

Every endpoint × signed out × every role × a resource inside / outside the role's subtree,
asserting 401 / 403 / 404 / 2xx. A route that declares no role, or that has no example
request (in `tests/support/matrix_<slice>.py`), fails the suite: adding an endpoint means
deciding who may call it, here.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from services.access.guards import REQUIREMENTS
from tests.support.access import ROLES, Auth, World, settings, sign_in, world
from tests.support.matrix import EXAMPLES, PUBLIC, PUBLIC_PREFIXES, UNSCOPED, Ctx, Req, discover

pytestmark = pytest.mark.api
__all__ = ["settings", "world"]  # fixtures used from tests.support.access
discover()


def endpoints(app: Litestar) -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, path, opt, operation id) of every route the app serves, OPTIONS aside."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                op = handler.operation_id if isinstance(handler.operation_id, str) else None
                # Without an operation id (a page, say) an example is keyed "METHOD /path".
                found.append((method, route.path, dict(handler.opt), op or f"{method} {route.path}"))
    return found


def test_every_route_declares_public_or_a_known_role(app: Litestar) -> None:
    for method, path, opt, _op in endpoints(app):
        if opt.get("public") is True:
            # Public routes are listed by hand: making one public is a decision to review.
            assert (method, path) in PUBLIC or path.startswith(PUBLIC_PREFIXES), (
                f"{method} {path} is public but not in a reviewed PUBLIC list"
            )
            continue
        assert opt.get("role") in REQUIREMENTS, f"{method} {path} declares no role"


def test_every_guarded_route_has_a_matrix_example(app: Litestar) -> None:
    missing = [
        f"{method} {path} ({op})"
        for method, path, opt, op in endpoints(app)
        if opt.get("public") is not True and op not in EXAMPLES
    ]
    assert missing == [], "add examples in tests/support/matrix_<slice>.py for:\n" + "\n".join(missing)


def expected(need: str, role: str, op: str, where: str) -> set[int]:
    if need != "account" and role not in REQUIREMENTS[need]:
        return {403}
    if where == "out" and op not in UNSCOPED:
        return {404}
    return {200, 201, 204, 303}  # 303: a page's form post redirects to the page it changed


async def test_authorisation_matrix(app: Litestar, world: World, pool: asyncpg.Pool) -> None:
    failures = []
    routes = [(m, p, o, op) for m, p, o, op in endpoints(app) if o.get("public") is not True]
    assert len(routes) > 20
    for method, path, opt, op in routes:
        for who in (None, *ROLES):
            for where in ("in", "out"):
                want = {401} if who is None else expected(opt["role"], who, op, where)
                auth = _auth(world, who)
                ctx = Ctx(world, where, auth.headers() if auth else {}, bool(want & {200}), pool)
                if op in EXAMPLES:
                    req = await EXAMPLES[op](ctx)
                    assert (req.method, _shape(req.path)) == (method, _shape(path)), op
                elif want & {200, 404}:
                    continue  # no example yet (its own test fails): only the guard's part
                else:
                    req = Req(method, re.sub(r"\{[^}]*\}", "x", path))
                if req.fresh_session and who is not None:
                    auth = await sign_in(world, who)
                r = await world.client.request(
                    req.method,
                    req.path,
                    json=req.json,
                    data=req.form,
                    headers=auth.headers() if auth else {},
                    follow_redirects=False,
                )
                if r.status_code not in want:
                    failures.append(
                        f"{op} as {who or 'signed out'} {where}: {r.status_code} "
                        f"not in {sorted(want)}: {r.text[:160]}"
                    )
    assert failures == [], "\n".join(failures)


def _auth(world: World, who: str | None) -> Auth | None:
    return None if who is None else world.auth[who]


def _shape(path: str) -> int:
    return path.split("?")[0].count("/")
