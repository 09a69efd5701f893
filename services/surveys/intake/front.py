"""The intake's front door: an anonymous answer is taken before Litestar's router.

`POST /api/v1/public/surveys/{survey_id}/answers` is the one route every respondent hits,
all at once when a survey opens. Through the router, the app's middleware (latency, tracing,
access), the handler machinery and the before_send hooks it took 4,500 answers/s on the
benchmark (bench/intake.py); answered here, by the same `accept`, 6,300–6,500/s in the
same run. Written by hand for that, and only for this route: everything else the app does
to a request is done here with the app's own parts, so the answer is the same either way —

* the access check: the route is public; a cross-site Origin is refused (guards.same_origin);
* the body: JSON only (415), the route's size limit (413), decoded strictly (422);
* every refusal as problem+json, mapped by problems.answer_for, as the exception handlers do;
* the security headers (security.headers_for) and the latency metric, under the route's template.

When tracing is on, requests take the ordinary way (the tracer wraps the middleware stack).
The Litestar route stays: it documents the endpoint and is what this door stands in for.
"""

from __future__ import annotations

import time
from typing import Any

from litestar import Litestar
from litestar.types import HTTPScope, Receive, Scope, Send

from services.access.guards import same_origin
from services.commanding import decode_strict, json_only, receive_body
from services.encoded import EncodedJson
from services.problems import PROBLEM_JSON, answer_for
from services.security import headers_for
from services.surveys.intake.accept import AnswerBody, accept

ROUTE_NAME = "answer_survey"  # the Litestar route this door stands in for
_PREFIX = "/api/v1/public/surveys/"
_SUFFIX = "/answers"
_PROBLEM = PROBLEM_JSON.encode()


def survey_answered(scope: HTTPScope) -> str | None:
    """The survey id when the request posts an answer, else None (Litestar takes it)."""
    path: str = scope["path"]
    if scope["method"] != "POST" or not path.startswith(_PREFIX) or not path.endswith(_SUFFIX):
        return None
    survey_id = path[len(_PREFIX) : -len(_SUFFIX)]
    return survey_id if survey_id and "/" not in survey_id else None


class Door:
    """What the door needs of the app's route, looked up once: its size limit and template."""

    def __init__(self, app: Litestar) -> None:
        index = app.get_handler_index_by_name(ROUTE_NAME)
        if index is None:
            raise LookupError(f"no route named {ROUTE_NAME}")
        self.app = app
        self.limit = index["handler"].resolve_request_max_body_size() or float("inf")  # type: ignore[union-attr]
        self.template = index["paths"][0]

    async def __call__(self, survey_id: str, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        state = self.app.state
        try:
            same_origin(scope)
            json_only(scope)
            body = decode_strict(await receive_body(scope, receive, self.limit), AnswerBody)
            client = scope.get("client")
            address = client[0] if client else ""
            response = EncodedJson(await accept(state, survey_id, body, address), 202, _security(scope))
        except Exception as exc:  # answered exactly as the app's exception handlers would
            refusal = answer_for(exc)
            extra = tuple((k.lower().encode(), v.encode()) for k, v in (refusal.headers or {}).items())
            response = EncodedJson(refusal.body, refusal.status, (*extra, *_security(scope)), _PROBLEM)
        try:
            await response(scope, receive, send)
        finally:
            seconds = time.perf_counter() - started
            state.metrics.observe(self.template, "POST", str(response.status), seconds)


def _security(scope: Scope) -> tuple[tuple[bytes, bytes], ...]:
    return tuple(headers_for(scope))


def door_of(app: Any) -> Door:
    door: Door | None = getattr(app.state, "intake_door", None)
    if door is None:
        door = app.state.intake_door = Door(app)
    return door
