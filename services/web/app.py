"""The pages' router: every page controller, the static files, friendly error pages.

Registered in services/app.py beside the JSON API. Routes declare opt public/role like the
API; the same access check applies. Pages are left out of the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Router, get
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router

from services.web import i18n
from services.web.admin import AdminPages
from services.web.admin_surveys import AdminSurveyPages
from services.web.dashboard import LeaderPages
from services.web.errors import PAGE_ERRORS
from services.web.handler import HandlerPages
from services.web.render import STATIC, page
from services.web.signin import SignInPages
from services.web.staff_cases import StaffCasePages
from services.web.survey import SurveyPages
from services.web.urls import safe_next


class HomePages(Controller):
    @get("/", opt={"public": True}, include_in_schema=False)
    async def home(self, request: Request[Any, Any, Any]) -> Template:
        return await page(request, "home.html")

    @get("/lang/{code:str}", opt={"public": True}, include_in_schema=False)
    async def language(self, code: FromPath[str], next: FromQuery[str | None] = None) -> Redirect:
        """Remember the chosen language (a cookie holding only "zh" or "en")."""
        lang = i18n.pick(code)
        cookie = Cookie(
            key=i18n.COOKIE, value=lang, max_age=365 * 86400, samesite="lax", httponly=True, path="/"
        )
        return Redirect(safe_next(next), status_code=303, cookies=[cookie])


def web_router() -> Router:
    static = create_static_files_router(
        path="/static", directories=[STATIC], opt={"public": True}, include_in_schema=False
    )
    return Router(
        path="/",
        route_handlers=[
            HomePages,
            SurveyPages,
            StaffCasePages,
            SignInPages,
            HandlerPages,
            LeaderPages,
            AdminPages,
            AdminSurveyPages,
            static,
        ],
        exception_handlers=PAGE_ERRORS,
        include_in_schema=False,
    )
