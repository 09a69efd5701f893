"""Sign-in and sign-out pages: the access slice's password check, session and cookie rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency
from litestar.exceptions import TooManyRequestsException
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from services.access import sessions
from services.access.guards import SESSION_COOKIE, Principal
from services.access.handle import load
from services.access.http_auth import SignIn, SignInFailed
from services.access.http_auth import _check_password as check_password  # throttled, one answer
from services.web.forms import public_form
from services.web.i18n import N_
from services.web.render import page
from services.web.urls import safe_next


class SignInForm(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    login: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
    next: Annotated[str, msgspec.Meta(max_length=500)] = "/"


class SignInPages(Controller):
    @get("/signin", opt={"public": True}, include_in_schema=False)
    async def form(self, request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Template:
        return await page(request, "signin.html", next=safe_next(next), error="")

    @post("/signin", opt={"public": True}, include_in_schema=False, status_code=303)
    async def sign_in(self, request: Request[Any, Any, Any], state: State) -> Response[Any]:
        form, _ = await public_form(request, SignInForm)
        try:
            account_id = await check_password(request, state, SignIn(form.login, form.password))
        except SignInFailed:
            return await _again(request, form, N_("Login name or password is wrong."), 401)
        except TooManyRequestsException:
            return await _again(
                request, form, N_("Too many failed sign-ins; wait a minute and try again."), 429
            )
        ttl = timedelta(hours=state.settings.session_hours)
        token = await sessions.open_session(state.resources.pool, account_id, state.clock.now(), ttl)
        cookie = Cookie(
            key=SESSION_COOKIE,
            value=token,
            httponly=True,
            samesite="strict",
            secure=state.settings.secure_cookies or request.url.scheme == "https",
            path="/",
            max_age=int(ttl.total_seconds()),
        )
        account, _ = await load(state.resources.pool, account_id)
        target = safe_next(form.next) if form.next != "/" else _landing({r for _, r in account.grants})
        return Redirect(target, status_code=303, cookies=[cookie])

    @post("/signout", opt={"role": "account"}, include_in_schema=False, status_code=303)
    async def sign_out(self, state: State, principal: NamedDependency[Principal]) -> Redirect:
        if principal.session_token is not None:
            await sessions.close_session(state.resources.pool, principal.session_token)
        gone = Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/", httponly=True, samesite="strict")
        return Redirect("/", status_code=303, cookies=[gone])


async def _again(request: Request[Any, Any, Any], form: SignInForm, error: str, status: int) -> Template:
    return await page(
        request, "signin.html", status=status, next=safe_next(form.next), error=error, login=form.login
    )


def _landing(roles: set[str]) -> str:
    for role, path in (("leader", "/lead"), ("handler", "/work"), ("admin", "/admin")):
        if role in roles:
            return path
    return "/"
