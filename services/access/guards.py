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

from collections.abc import Sequence
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import msgspec
from litestar import Request
from litestar.enums import ScopeType
from litestar.exceptions import (
    ImproperlyConfiguredException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from events.accounts import stream
from events.store.records import EVENT_ID, STREAM, VERSION, to_recorded
from services.access import sessions
from services.access.decider import AccountState, fold
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
    by_need: dict[str, frozenset[str]]  # units_with for every need, made once per account version

    def units_with(self, need: str) -> frozenset[str]:
        return self.by_need[need]


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
        same_origin(scope)
    if method == "OPTIONS" or handler.opt.get("public") is True:
        return  # public: no Request object built, nothing read (the intake's hot path)
    need = handler.opt.get("role")
    if need not in REQUIREMENTS:
        raise ImproperlyConfiguredException(f"{handler.handler_name} declares no role")
    # Read from the raw scope: building a Request here (headers, cookies, state) cost more
    # than the checks themselves on the case steps.
    credentials = presented(scope)
    if credentials is None:
        raise NotAuthorizedException("sign in first", headers=SIGN_IN)
    needs_csrf = credentials.kind == "session" and method in UNSAFE
    state = scope.setdefault("state", {})  # what handlers see as request.state
    if handler.opt.get("reads_caller") is True:  # the handler reads the caller: caller_from()
        # These routes take JSON only: the header is the whole check (no form is parsed
        # for a caller not yet known to be anyone).
        csrf_ok = not needs_csrf or await _csrf_ok(scope, receive, send, credentials, forms=False)
        state["pending_caller"] = PendingCaller(credentials, need, csrf_ok)
        return
    app_state = scope["app"].state
    rows = await sessions.account_events(app_state.resources.pool, credentials, app_state.clock.now())
    principal = may_call(principal_from(credentials, rows), need, csrf_ok=True)
    if needs_csrf and not await _csrf_ok(scope, receive, send, credentials, forms=True):
        raise PermissionDeniedException("CSRF token missing or wrong")
    state["principal"] = principal


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


def caller_from(request: Request[Any, Any, Any], account_rows: Sequence[Any]) -> Principal:
    """For a `reads_caller` route: the caller from the account stream its handler read
    (rows of `records.COLUMNS`, with `sessions.ACCOUNT_STREAM` in the query that reads its
    resource); the same 401 and 403 answers, in the same order, as the access check gives
    every other route."""
    pending: PendingCaller = request.state.pending_caller
    return may_call(principal_from(pending.credentials, account_rows), pending.need, pending.csrf_ok)


def current_principal(request: Request[Any, Any, Any]) -> Principal:
    """Dependency `principal` for handlers behind the check."""
    principal: Principal | None = request.state.get("principal")
    if principal is None:  # a `reads_caller` route: the handler must read the caller itself
        raise ImproperlyConfiguredException("this route reads its caller with its resource")
    return principal


def caller_credentials(request: Request[Any, Any, Any]) -> sessions.Credentials:
    """What a `reads_caller` route's caller presented (checked present, not yet valid)."""
    return request.state.pending_caller.credentials  # type: ignore[no-any-return]


def presented(scope: Scope) -> sessions.Credentials | None:
    """A bearer token, else the session cookie; None when neither is there or well-formed."""
    auth = raw_header(scope, b"authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return sessions.Credentials("token", token.strip())
    session_token = _cookie(scope, SESSION_COOKIE)
    return sessions.Credentials("session", session_token) if session_token else None


def _cookie(scope: Scope, name: str) -> str | None:
    """A cookie's value from every Cookie header (HTTP/2 may send several). Our session
    token is URL-safe base64: never quoted, so no unquoting is needed."""
    for key, value in scope["headers"]:
        if key.lower() == b"cookie":
            for pair in value.decode("latin-1").split(";"):
                k, _, v = pair.strip().partition("=")
                if k == name and v:
                    return v
    return None


def principal_from(credentials: sessions.Credentials, rows: Sequence[Any]) -> Principal | None:
    """The caller from their account's stream, rows of `records.COLUMNS` read with the
    credentials (no rows: no such live session or token); None when unknown or disabled."""
    if not rows:
        return None
    account, by_need = _account(rows)
    if not account.exists or account.disabled:
        return None
    return Principal(
        account_id=rows[0][STREAM].removeprefix(stream("")),
        login=account.login,
        display_name=account.display_name,
        unit_id=account.unit_id,
        grants=account.grants,
        session_token=credentials.secret if credentials.kind == "session" else None,
        by_need=by_need,
    )


# Accounts folded before, by their stream's last event: events never change and event ids
# are unique, so the last one's id names the whole stream up to it. Every request folds its
# caller's account; decoding the same few events again was a twentieth of a case step.
_folded: dict[tuple[str, int, Any], tuple[AccountState, dict[str, frozenset[str]]]] = {}
_FOLDED_MAX = 10_000


def _account(rows: Sequence[Any]) -> tuple[AccountState, dict[str, frozenset[str]]]:
    last = rows[-1]
    key = (last[STREAM], last[VERSION], last[EVENT_ID])
    found = _folded.get(key)
    if found is None:
        account = fold([to_recorded(r).event for r in rows])
        found = (
            account,
            {
                need: frozenset(unit for unit, role in account.grants if role in accepted)
                for need, accepted in REQUIREMENTS.items()
            },
        )
        if len(_folded) >= _FOLDED_MAX:
            _folded.clear()
        _folded[key] = found
    return found


def same_origin(scope: Scope) -> None:
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


async def _csrf_ok(
    scope: Scope, receive: Receive, send: Send, credentials: sessions.Credentials, *, forms: bool
) -> bool:
    """Cookie-authenticated writes must prove they come from our own pages (the header, or
    with `forms` a posted form's field)."""
    offered = raw_header(scope, CSRF_HEADER.encode())
    if forms and offered is None and (raw_header(scope, b"content-type") or "").startswith(FORMS):
        form = await Request(scope, receive, send).form()  # pages post forms: the field
        value = form.get(CSRF_FIELD)
        offered = value if isinstance(value, str) else None
    return csrf_matches(await service_secret(scope["app"].state), credentials.secret, offered)
