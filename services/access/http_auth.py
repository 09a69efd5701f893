"""Signing in and out, who am I, and API tokens.

A failed sign-in answers the same for an unknown login, a wrong password and a disabled
account (status, body, and — through the dummy hash — time), so the answer never says
which logins exist. Failures are limited per account and per client before any password
is checked, so the sixth guess within a minute is refused without being tried.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import CacheControlHeader, Cookie, State
from litestar.di import NamedDependency
from litestar.exceptions import TooManyRequestsException
from litestar.params import FromPath

from services.access import credentials, sessions, throttle
from services.access.guards import SESSION_COOKIE, Principal
from services.access.handle import load
from services.access.keys import account_key, client_key, csrf_token, service_secret
from services.access.passwords import hash_password, needs_rehash, verify_password
from services.access.queries import Grant
from services.commanding import strict_body
from services.problems import NotFound, Problem

Login = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
NewPassword = Annotated[str, msgspec.Meta(min_length=10, max_length=1024)]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


# Answers carrying a CSRF token or an API token must not be kept by any cache.
NO_STORE = CacheControlHeader(no_store=True)


class SignInFailed(Problem):
    status, slug, title = 401, "sign-in-failed", "Login name or password is wrong"


class SignIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    login: Login
    password: Password


class SignedIn(msgspec.Struct, frozen=True):
    account_id: str
    display_name: str
    csrf_token: str  # send back as X-CSRF-Token (or form field _csrf) on every write


class Me(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    login: str
    display_name: str
    unit_id: str
    roles: list[Grant]
    csrf_token: str | None  # None when signed in with an API token


class NewToken(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    label: Label


class IssuedToken(msgspec.Struct, frozen=True):
    token_id: str
    label: str
    token: str  # shown this once; only its hash is kept


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ("access",)

    @post("/sign-in", operation_id="sign_in", opt={"public": True}, status_code=200, cache_control=NO_STORE)
    async def sign_in(
        self, data: SignIn, request: Request[Any, Any, Any], state: State
    ) -> Response[SignedIn]:
        """Sign in with login name and password; sets an HttpOnly, SameSite=Strict cookie."""
        body = await strict_body(request, SignIn)
        account_id = await _check_password(request, state, body)
        account, _ = await load(state.resources.pool, account_id)
        ttl = timedelta(hours=state.settings.session_hours)
        token = await sessions.open_session(state.resources.pool, account_id, state.clock.now(), ttl)
        csrf = csrf_token(await service_secret(state), token)
        cookie = Cookie(
            key=SESSION_COOKIE,
            value=token,
            httponly=True,
            samesite="strict",
            secure=state.settings.secure_cookies or request.url.scheme == "https",
            path="/",
            max_age=int(ttl.total_seconds()),
        )
        return Response(SignedIn(account_id, account.display_name, csrf), cookies=[cookie])

    @post("/sign-out", operation_id="sign_out", opt={"role": "account"}, status_code=204)
    async def sign_out(self, state: State, principal: NamedDependency[Principal]) -> Response[None]:
        """End this browser session (a form post needs the _csrf field)."""
        if principal.session_token is not None:
            await sessions.close_session(state.resources.pool, principal.session_token)
        return Response(
            None,
            status_code=204,
            cookies=[
                Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/", httponly=True, samesite="strict")
            ],
        )

    @get("/me", operation_id="who_am_i", opt={"role": "account"}, cache_control=NO_STORE)
    async def me(self, state: State, principal: NamedDependency[Principal]) -> Me:
        """The signed-in account, its roles, and the CSRF token for this session."""
        csrf = None
        if principal.session_token is not None:
            csrf = csrf_token(await service_secret(state), principal.session_token)
        roles = [Grant(u, r) for u, r in sorted(principal.grants)]
        return Me(
            account_id=principal.account_id,
            login=principal.login,
            unit_id=principal.unit_id,
            display_name=principal.display_name,
            roles=roles,
            csrf_token=csrf,
        )

    @post(
        "/tokens",
        operation_id="issue_api_token",
        opt={"role": "account"},
        status_code=201,
        cache_control=NO_STORE,
    )
    async def issue_token(
        self,
        data: NewToken,
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> IssuedToken:
        """An API token for integrations, acting as this account. Shown once."""
        body = await strict_body(request, NewToken)
        token_id = str(state.ids.new())
        token = await sessions.issue_token(
            state.resources.pool, token_id, principal.account_id, body.label, state.clock.now()
        )
        return IssuedToken(token_id, body.label, token)

    @get("/tokens", operation_id="list_api_tokens", opt={"role": "account"})
    async def list_tokens(
        self, state: State, principal: NamedDependency[Principal]
    ) -> list[sessions.TokenInfo]:
        """The caller's API tokens (never their values)."""
        return await sessions.list_tokens(state.resources.pool, principal.account_id)

    @delete(
        "/tokens/{token_id:str}", operation_id="revoke_api_token", opt={"role": "account"}, status_code=204
    )
    async def revoke_token(
        self, token_id: FromPath[str], state: State, principal: NamedDependency[Principal]
    ) -> None:
        """Revoke one of the caller's API tokens; it stops working at once."""
        if not await sessions.revoke_token(
            state.resources.pool, principal.account_id, token_id, state.clock.now()
        ):
            raise NotFound()


async def _check_password(request: Request[Any, Any, Any], state: State, body: SignIn) -> str:
    """The account id if the password is right; otherwise one answer for every failure."""
    res, now = state.resources, state.clock.now()
    secret = await service_secret(state)
    address = request.client.host if request.client else "unknown"
    keys = [account_key(secret, body.login), client_key(secret, address, now)]
    wait = await throttle.blocked_for(res, keys, now)
    if wait:
        raise TooManyRequestsException(
            "too many failed sign-ins; wait and try again", headers={"Retry-After": str(wait)}
        )
    found = await credentials.find(res.pool, body.login)
    ok = await verify_password(found[1] if found else None, body.password)
    if found and ok:
        account, _ = await load(res.pool, found[0])
        if account.exists and not account.disabled:
            await throttle.forget(res, keys[0])
            if needs_rehash(found[1]):  # parameters were raised since: upgrade the stored hash
                await credentials.rehash(res.pool, found[0], await hash_password(body.password), now)
            return found[0]
    await throttle.record_failure(res, keys, now)
    raise SignInFailed()
