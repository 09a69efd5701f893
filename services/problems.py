"""Every error leaves as application/problem+json (RFC 9457) with a stable `type`.

Domain errors subclass `Problem`; store and framework errors are mapped here, once.
No traceback, SQL or internal name ever reaches a client: unexpected errors are logged
server-side (without request details, which could identify a respondent) and answered
with a plain 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, NamedTuple

import asyncpg
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from events.store.errors import EventIdReused, EventTooLarge, WrongExpectedVersion

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "/problems/"


class Problem(Exception):
    """A domain refusal with its HTTP status and a stable slug for `type`."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(
        self, detail: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = headers
        self.extra = extra


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class TooManyRequests(Problem):
    status, slug, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


class Unavailable(Problem):
    status, slug, title = 503, "unavailable", "Service temporarily unavailable"


_HTTP_SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "body-too-large",
    415: "unsupported-media-type",
    422: "validation",
    429: "too-many-requests",
    503: "unavailable",
}
DB_DOWN = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    # A pooled connection still consuming the server's goodbye when it is handed out again
    # ("cannot switch to state …"): seen when PostgreSQL shuts down under load.
    asyncpg.InternalClientError,
    TimeoutError,
)


class Answer(NamedTuple):
    """A refusal as it leaves: status, problem+json body, extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] | None = None


def answer(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Answer:
    body = {"type": TYPE_BASE + slug, "title": title, "status": status, **extra}
    if detail:
        body["detail"] = detail
    return Answer(status, body, headers)


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    return as_response(answer(status, slug, title, detail, headers, **extra))


def as_response(a: Answer) -> Response[dict[str, Any]]:
    headers = {"Cache-Control": "no-store", **(a.headers or {})}  # a refusal is never reused
    return Response(a.body, status_code=a.status, media_type=PROBLEM_JSON, headers=headers)


def _domain(exc: Problem) -> Answer:
    headers = exc.headers or ({"Retry-After": "1"} if exc.status == 503 else None)
    return answer(exc.status, exc.slug, exc.title, exc.detail, headers, **exc.extra)


def _wrong_version(exc: WrongExpectedVersion) -> Answer:
    return answer(
        409,
        "wrong-expected-version",
        "The resource changed; reload and retry",
        expected=exc.expected,
        actual=exc.actual,
    )


def _reused(exc: EventIdReused) -> Answer:
    return answer(409, "command-id-reused", "This command id was already used for another request")


def _too_large(exc: EventTooLarge) -> Answer:
    return answer(413, "body-too-large", "Too large", f"limit {exc.limit} bytes")


def _validation(exc: ValidationException) -> Answer:
    errors = exc.extra if isinstance(exc.extra, list) else []
    return answer(422, "validation", "The request is not valid", str(exc.detail), errors=errors)


def _http(exc: HTTPException) -> Answer:
    status = exc.status_code
    slug = _HTTP_SLUGS.get(status, f"http-{status}")
    headers = dict(exc.headers or {})
    return answer(status, slug, slug.replace("-", " ").capitalize(), exc.detail, headers or None)


def _unexpected(exc: Exception) -> Answer:
    if isinstance(exc, DB_DOWN):
        log.warning("database unavailable: %s", type(exc).__name__)
        return answer(503, "unavailable", "Service temporarily unavailable", headers={"Retry-After": "2"})
    log.error("unexpected %s", type(exc).__name__, exc_info=exc)
    return answer(500, "internal", "Internal error")


# Most specific first: answer_for takes the first class the exception is an instance of.
_ANSWERS: list[tuple[type[Exception], Callable[[Any], Answer]]] = [
    (Problem, _domain),
    (WrongExpectedVersion, _wrong_version),
    (EventIdReused, _reused),
    (EventTooLarge, _too_large),
    (ValidationException, _validation),
    (HTTPException, _http),
    (Exception, _unexpected),
]


def answer_for(exc: Exception) -> Answer:
    """How an exception escaping a route is answered; for code that answers outside
    Litestar's exception handlers (the intake's front door), the same as inside them."""
    for cls, make in _ANSWERS:
        if isinstance(exc, cls):
            return make(exc)
    raise AssertionError("Exception matches every exception")


def _handler(make: Callable[[Any], Answer]) -> Callable[[Request[Any, Any, Any], Any], Response[Any]]:
    return lambda _request, exc: as_response(make(exc))


EXCEPTION_HANDLERS: ExceptionHandlersMap = {cls: _handler(make) for cls, make in _ANSWERS}
