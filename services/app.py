"""The Litestar application factory. `create_app(settings)` is all a server needs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from services.access import openapi
from services.access.guards import access_middleware, current_principal
from services.access.http_accounts import AccountController
from services.access.http_auth import AuthController
from services.access.http_password import PasswordController
from services.audit.http import AuditController
from services.cases import scheduler, webhooks
from services.cases.http_leader import LeaderController
from services.cases.http_requester import RequesterController
from services.cases.http_staff import CaseController, NotificationController, QueueController
from services.deps import Clock, Ids, RandomIds, SystemClock
from services.health.http import HealthController
from services.ops.metrics import Metrics, MetricsController, latency_middleware
from services.ops.tracing import tracer_for, tracing_middleware
from services.problems import EXCEPTION_HANDLERS
from services.resources import close_resources, open_resources, resolve_urls
from services.security import security_headers
from services.settings import Settings
from services.surveys.http import SurveyController
from services.surveys.http_invitations import InvitationController
from services.surveys.intake import front
from services.surveys.intake.http import IntakeController
from services.surveys.intake.releaser import survey_lifespan
from services.surveys.results.http import ResultsController
from services.units.http import UnitController
from services.web.app import web_router
from services.web.live import live_lifespan
from services.web.render import template_config

# Every route declares what it needs in `opt`: {"public": True} or {"role": ...}; the one
# access check enforces it (access_middleware, see services/access/guards.py).
ROUTES: list[type] = [
    HealthController,
    MetricsController,
    AuthController,
    PasswordController,
    UnitController,
    AccountController,
    AuditController,
    RequesterController,
    CaseController,
    QueueController,
    NotificationController,
    LeaderController,
    SurveyController,
    InvitationController,
    IntakeController,
    ResultsController,
]


def create_app(settings: Settings, *, clock: Clock | None = None, ids: Ids | None = None) -> Litestar:
    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        dsn, redis_url = resolve_urls(settings)
        res = await open_resources(settings, dsn, redis_url)
        app.state.resources = res
        if settings.run_scheduler:
            task = scheduler.run(res, app.state.clock, settings.scheduler_seconds)
            res.tasks.append(asyncio.create_task(task, name="case-scheduler"))
        if settings.webhooks:
            hooks = webhooks.run(res, app.state.clock, settings.webhooks, settings.webhook_seconds)
            res.tasks.append(asyncio.create_task(hooks, name="case-webhooks"))
        try:
            yield
        finally:
            await close_resources(res)

    return QunshengApp(
        route_handlers=[*ROUTES, web_router()],  # web pages: services/web/ (same guard)
        template_config=template_config(),  # Jinja, autoescaping, for the pages
        dependencies={"principal": Provide(current_principal, sync_to_thread=False)},
        lifespan=[lifespan, survey_lifespan, live_lifespan],  # live_lifespan: dashboards' live updates
        exception_handlers=EXCEPTION_HANDLERS,
        # /metrics latency; optional traces; then who may call the route (innermost, so a
        # refusal is timed and traced like any answer).
        middleware=[latency_middleware, tracing_middleware, access_middleware],
        before_send=[security_headers],  # on every response, 404s included
        logging_config=None,  # Litestar's default would replace the redacting JSON handler
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Qunsheng 群声",
            version="1",
            components=openapi.COMPONENTS,
            security=openapi.SECURITY,
            # The document's own routes stay out of it: their 404s are Litestar's HTML pages.
            openapi_router=Router(
                path="/api/schema", route_handlers=[], opt={"public": True}, include_in_schema=False
            ),
        ),
        state=_state(settings, clock or SystemClock(), ids or RandomIds()),
        debug=False,
    )


class QunshengApp(Litestar):
    """Litestar, with the intake's front door: anonymous answers are taken before the router
    (services/surveys/intake/front.py says why and what it keeps the same)."""

    front_door = True  # off: every request goes through the router (a test compares both ways)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.front_door and self.state.tracer is None:
            survey_id = front.survey_answered(scope)
            if survey_id is not None:
                scope["app"] = scope["litestar_app"] = self
                await front.door_of(self)(survey_id, scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def _state(settings: Settings, clock: Clock, ids: Ids) -> State:
    # metrics: this app's own registry; tracer: None unless QS_OTEL_ENDPOINT is set.
    state = {"settings": settings, "clock": clock, "ids": ids}
    return State({**state, "metrics": Metrics(), "tracer": tracer_for(settings)})


def app_from_env() -> Litestar:
    """Entry point for `uvicorn --factory services.app:app_from_env` (several workers)."""
    from services.ops.logs import configure
    from services.settings import from_env

    settings = from_env()
    configure(settings.log_level, settings.log_format)  # uvicorn's worker processes start afresh
    return create_app(settings)
