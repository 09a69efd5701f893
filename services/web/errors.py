"""Errors on pages: a friendly page in the visitor's language, never a traceback or JSON.

The access guard's rule is kept (signed out → 401, no role → 403, outside the subtree →
404); only the answer's form changes: a browser that is signed out is sent to sign in.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from events.store.errors import WrongExpectedVersion
from services.problems import DB_DOWN, Problem

log = logging.getLogger(__name__)
TITLES = {
    400: "The request was not understood",
    401: "Please sign in",
    403: "You may not open this page",
    404: "Not found",
    409: "Something changed meanwhile; please reload and try again",
    413: "Too much text",
    415: "The form was not sent as expected",
    422: "Some of what you entered is not valid",
    429: "Too many attempts; please wait a moment and try again",
    503: "The service is busy; please try again shortly",
    500: "Something went wrong on our side",
}


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _error_page(request: Request[Any, Any, Any], status: int, detail: str = "") -> Response[str]:
    from services.web.render import render_now

    return render_now(
        request,
        "error.html",
        status,
        title=TITLES.get(status, TITLES[500]),
        detail=detail,
        status_code=status,
    )


def _signed_out(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if _wants_html(request) and request.method == "GET":
        return Redirect(f"/signin?next={quote(request.url.path)}", status_code=303)
    return _error_page(request, 401)


def _problem(request: Request[Any, Any, Any], exc: Problem) -> Response[Any]:
    return _error_page(request, exc.status, exc.title)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    return _error_page(request, exc.status_code)


def _invalid(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    return _error_page(request, 422, str(exc.detail)[:300])


def _moved(request: Request[Any, Any, Any], exc: WrongExpectedVersion) -> Response[Any]:
    return _error_page(request, 409)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, DB_DOWN):
        log.warning("database unavailable: %s", type(exc).__name__)
        return _error_page(request, 503)
    log.error("unexpected %s on a page", type(exc).__name__, exc_info=exc)  # no request details
    return _error_page(request, 500)


PAGE_ERRORS: ExceptionHandlersMap = {
    NotAuthorizedException: _signed_out,
    Problem: _problem,
    WrongExpectedVersion: _moved,
    ValidationException: _invalid,
    HTTPException: _http,
    Exception: _unexpected,
}
