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

A route may declare `"reads_caller": True` beside its role: then the check here stops at
"credentials were presented" (and the CSRF check), and the handler reads the caller's
account in the same query as the resource it acts on (`caller_from`), one round trip
instead of two on the case steps. The `principal` dependency refuses to serve such a
route, so a handler that forgets to read the caller fails closed.
"""

from __future__ import annotations

from typing import Any, NamedTuple
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
from events.base import RecordedEvent
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
    credentials = presented(connection)
    if credentials is None:
        raise NotAuthorizedException("sign in first", headers=SIGN_IN)
    csrf_ok = credentials.kind != "session" or method not in UNSAFE or await _csrf_ok(connection, credentials)
    if handler.opt.get("reads_caller") is True:  # the handler reads the caller: caller_from()
        connection.state.pending_caller = PendingCaller(credentials, need, csrf_ok)
        return
    pool, now = connection.app.state.resources.pool, connection.app.state.clock.now()
    events = await sessions.account_events(pool, credentials, now)
    connection.state.principal = may_call(principal_from(credentials, events), need, csrf_ok)


SIGN_IN = {"WWW-Authenticate": "Bearer"}


class PendingCaller(NamedTuple):
    """A `reads_caller` route's caller as the access check leaves them: what they presented
    (not yet known to be valid), the role the route needs, and whether the CSRF check held."""

    credentials: sessions.Credentials
    need: str
    csrf_ok: bool


def may_call(principal: Principal | None, need: str, csrf_ok: bool) -> Principal:
    """The caller, when signed in, holding a role that `need` accepts somewhere and (for a
    cookie-authenticated write) proving the request comes from our pages: else 401 or 403."""
    if principal is None:
        raise NotAuthorizedException("sign in first", headers=SIGN_IN)
    if need != "account" and not principal.units_with(need):
        raise PermissionDeniedException(f"this needs the {need} role")
    if not csrf_ok:
        raise PermissionDeniedException("CSRF token missing or wrong")
    return principal


def caller_from(request: Request[Any, Any, Any], account_events: list[RecordedEvent]) -> Principal:
    """For a `reads_caller` route: the caller from the account stream its handler read
    (with `sessions.ACCOUNT_STREAM`, in the query that reads its resource); the same 401
    and 403 answers, in the same order, as the access check gives every other route."""
    pending: PendingCaller = request.state.pending_caller
    return may_call(principal_from(pending.credentials, account_events), pending.need, pending.csrf_ok)


def current_principal(request: Request[Any, Any, Any]) -> Principal:
    """Dependency `principal` for handlers behind the check."""
    principal: Principal | None = request.state.get("principal")
    if principal is None:  # a `reads_caller` route: the handler must read the caller itself
        raise ImproperlyConfiguredException("this route reads its caller with its resource")
    return principal


def caller_credentials(request: Request[Any, Any, Any]) -> sessions.Credentials:
    """What a `reads_caller` route's caller presented (checked present, not yet valid)."""
    return request.state.pending_caller.credentials  # type: ignore[no-any-return]


def presented(connection: ASGIConnection[Any, Any, Any, Any]) -> sessions.Credentials | None:
    """A bearer token, else the session cookie; None when neither is there or well-formed."""
    auth = connection.headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return sessions.Credentials("token", token.strip())
    session_token = connection.cookies.get(SESSION_COOKIE)
    return sessions.Credentials("session", session_token) if session_token else None


def principal_from(credentials: sessions.Credentials, events: list[RecordedEvent]) -> Principal | None:
    """The caller from their account's stream (read with the credentials: no events, no
    such live session or token); None when unknown or disabled."""
    if not events:
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
        session_token=credentials.secret if credentials.kind == "session" else None,
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


async def _csrf_ok(connection: ASGIConnection[Any, Any, Any, Any], credentials: sessions.Credentials) -> bool:
    """Cookie-authenticated writes must prove they come from our own pages."""
    offered = connection.headers.get(CSRF_HEADER)
    if offered is None and connection.headers.get("content-type", "").startswith(FORMS):
        form = await connection.form()  # type: ignore[attr-defined]
        value = form.get(CSRF_FIELD)
        offered = value if isinstance(value, str) else None
    return csrf_matches(await service_secret(connection.app.state), credentials.secret, offered)
