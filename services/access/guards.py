"""Who is calling, and may they call this endpoint at all.

Every route declares what it needs in `opt`: `{"public": True}` or `{"role": R}` with R one
of REQUIREMENTS. One app-wide check enforces it: signed out → 401; holding no such role
anywhere → 403; a route that declares nothing fails closed with 500 (and fails the
authorisation-matrix test). Whether the role covers *this* resource is decided by the
handler with `scope.py`, which answers 404 exactly like a missing resource.

Roles are read from the account's own stream on every request, not from a projection, so
a revoked role or a disabled account takes effect on the very next request (the stream is
read in the same query that finds the session or token: sessions.py).

The check runs as a route middleware (`access_middleware`), not as a Litestar guard: for
every guard on every request Litestar copies the whole route handler (about seventy
attributes), measured at a tenth of an anonymous answer's cost in the intake benchmark.
A route middleware sees the same matched handler, and its errors reach the same
problem+json handlers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import (
    ImproperlyConfiguredException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from events.accounts import stream
from services.access import sessions
from services.access.decider import fold
from services.access.keys import csrf_matches, service_secret
from services.commanding import raw_header

ALL_ROLES = frozenset({"admin", "leader", "handler"})
REQUIREMENTS: dict[str, frozenset[str]] = {
    "account": frozenset(),  # any signed-in account; nothing scoped to a unit
    "staff": ALL_ROLES,  # any role covering the unit
    "casework": frozenset({"handler", "leader"}),  # reads cases: handlers and leaders
    "admin": frozenset({"admin"}),
    "leader": frozenset({"leader"}),
    "oversight": frozenset(
        {"leader", "admin"}
    ),  # ballot accounting: leaders and the admins running the count
    "handler": frozenset({"handler"}),
}
SESSION_COOKIE = "qs_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "_csrf"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    login: str
    display_name: str
    unit_id: str
    grants: frozenset[tuple[str, str]]
    session_token: str | None = None  # set when signed in by cookie (CSRF applies)

    def units_with(self, need: str) -> frozenset[str]:
        accepted = REQUIREMENTS[need]
        return frozenset(unit for unit, role in self.grants if role in accepted)


def access_middleware(app: ASGIApp) -> ASGIApp:
    """Every routed HTTP request passes `require_declared_role` before its handler runs."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            await require_declared_role(scope, receive, send)
        await app(scope, receive, send)

    return middleware


async def require_declared_role(scope: Scope, receive: Receive, send: Send) -> None:
    handler: BaseRouteHandler = scope["route_handler"]
    method = scope.get("method")
    if method in UNSAFE:
        _same_origin(scope)
    if method == "OPTIONS" or handler.opt.get("public") is True:
        return  # public: no Request object built, nothing read (the intake's hot path)
    need = handler.opt.get("role")
    if need not in REQUIREMENTS:
        raise ImproperlyConfiguredException(f"{handler.handler_name} declares no role")
    connection: Request[Any, Any, Any] = Request(scope, receive, send)
    principal = await authenticate(connection)
    if principal is None:
        raise NotAuthorizedException("sign in first", headers={"WWW-Authenticate": "Bearer"})
    if need != "account" and not principal.units_with(need):
        raise PermissionDeniedException(f"this needs the {need} role")
    if principal.session_token is not None and method in UNSAFE:
        await _check_csrf(connection, principal.session_token)
    connection.state.principal = principal


def current_principal(request: Request[Any, Any, Any]) -> Principal:
    """Dependency `principal` for handlers behind the guard."""
    return request.state.principal  # type: ignore[no-any-return]


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    state = connection.app.state
    pool = state.resources.pool
    session_token = None
    auth = connection.headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        events = await sessions.token_account_events(pool, token.strip())
    else:
        session_token = connection.cookies.get(SESSION_COOKIE)
        if not session_token:
            return None
        events = await sessions.session_account_events(pool, session_token, state.clock.now())
    if not events:  # no such session or token, or no such account
        return None
    account_id = events[0].stream_id.removeprefix(stream(""))
    account = fold([e.event for e in events])
    if not account.exists or account.disabled:
        return None
    return Principal(
        account_id=account_id,
        login=account.login,
        display_name=account.display_name,
        unit_id=account.unit_id,
        grants=account.grants,
        session_token=session_token,
    )


def _same_origin(scope: Scope) -> None:
    """Browsers name the page a write comes from; one from another site is refused (this
    also stops a foreign page signing a visitor in to the attacker's account)."""
    origin = raw_header(scope, b"origin")
    if not origin:
        return
    # Under `Referrer-Policy: no-referrer` (every page here) a browser's form post says
    # `Origin: null`; Sec-Fetch-Site, which no page script can set, then says whose page it was.
    if origin == "null" and raw_header(scope, b"sec-fetch-site") == "same-origin":
        return
    if urlsplit(origin).netloc != (raw_header(scope, b"host") or ""):
        raise PermissionDeniedException("cross-site request refused")


async def _check_csrf(connection: ASGIConnection[Any, Any, Any, Any], session_token: str) -> None:
    """Cookie-authenticated writes must prove they come from our own pages."""
    offered = connection.headers.get(CSRF_HEADER)
    if offered is None and connection.headers.get("content-type", "").startswith(FORMS):
        form = await connection.form()  # type: ignore[attr-defined]
        value = form.get(CSRF_FIELD)
        offered = value if isinstance(value, str) else None
    if not csrf_matches(await service_secret(connection.app.state), session_token, offered):
        raise PermissionDeniedException("CSRF token missing or wrong")
