"""Prometheus `/metrics`: request latency by route, store-wide figures, the database pool.

Each app has its own registry (tests build many apps in one process). Request latency is
labelled by the route *template* (`/api/v1/cases/{case_id:str}`), never by the concrete path:
paths carry ids, and labels must not grow with traffic or reveal anything. The store-wide
figures (events by type, release batches, SLA breaches, projector lag, mixing-pool size) are
read from PostgreSQL at scrape time (store_stats.py), so every replica reports the same
values: aggregate them with max(), not sum().

Access: public by default (nothing here is personal, and the load balancer should keep
/metrics internal); with QS_METRICS_TOKEN set, a scrape needs `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from services.ops.store_stats import StoreStats
from services.problems import problem

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "qs_http_request_duration_seconds",
            "Time to answer a request, by route template, method and status",
            ["route", "method", "status"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        # labels → child: a dict hit per request instead of prometheus' lock and checks
        self._timers: dict[tuple[str, str, str], Any] = {}
        steps = Counter(
            "qs_case_steps",
            "Case steps by how the state was had: held (decided from what the process held,"
            " one round trip) or read (the stream read first); missed: held attempts that found"
            " the case or caller changed (then read)",
            ["state"],
            registry=self.registry,
        )
        self._steps = {state: steps.labels(state) for state in ("held", "read", "missed")}
        self.stats = StoreStats()
        self.resources: Any = None  # set at scrape time (the lifespan opens them later)
        self.registry.register(_StoreCollector(self))

    def case_step(self, state: str) -> None:
        self._steps[state].inc()

    def observe(self, route: str, method: str, status: str, seconds: float) -> None:
        key = (route, method, status)  # bounded: route templates × methods × statuses
        timer = self._timers.get(key)
        if timer is None:
            timer = self._timers[key] = self.latency.labels(route, method, status)
        timer.observe(seconds)


class _StoreCollector(Collector):
    def __init__(self, metrics: Metrics) -> None:
        self.m = metrics

    def collect(self) -> Iterator[Any]:
        s = self.m.stats
        events = CounterMetricFamily("qs_events_appended", "Events in the store, by type", labels=["type"])
        for kind, n in sorted(s.by_type.items()):
            events.add_metric([kind], n)
        yield events
        yield CounterMetricFamily("qs_release_batches", "Mixing-pool releases", value=s.release_batches)
        yield CounterMetricFamily(
            "qs_sla_breaches", "Cases that passed a time limit", value=s.by_type.get("CaseBreached", 0)
        )
        yield GaugeMetricFamily("qs_mixing_pool_answers", "Answers waiting in the pool", value=s.pool_answers)
        behind = GaugeMetricFamily(
            "qs_projector_lag_events", "Events not yet projected", labels=["projector"]
        )
        seconds = GaugeMetricFamily(
            "qs_projector_lag_seconds", "Age of the oldest unprojected event", labels=["projector"]
        )
        for name in sorted(s.lag_events):
            behind.add_metric([name], s.lag_events[name])
            seconds.add_metric([name], s.lag_seconds[name])
        yield behind
        yield seconds
        yield GaugeMetricFamily("qs_database_up", "Last scrape reached PostgreSQL", value=int(s.database_up))
        pool = getattr(self.m.resources, "pool", None)
        if pool is not None:
            size, idle = pool.get_size(), pool.get_idle_size()
            yield GaugeMetricFamily("qs_db_pool_connections", "Open pool connections", value=size)
            yield GaugeMetricFamily("qs_db_pool_in_use", "Pool connections in use", value=size - idle)
            yield GaugeMetricFamily("qs_db_pool_max", "Pool size limit", value=pool.get_max_size())


def refusal_status(exc: Exception) -> int:
    """The HTTP status an exception escaping a route becomes (Litestar's status_code, or a
    domain Problem's status); anything else is a 500."""
    status = getattr(exc, "status_code", None) or getattr(exc, "status", None)
    return status if isinstance(status, int) else 500


def latency_middleware(app: ASGIApp) -> ASGIApp:
    """Times every routed request. Runs inside the router, so the route template is known."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await app(scope, receive, sending)
        except Exception as exc:
            # Raised before any response started (the access check runs inside this layer
            # but outside the route's exception handlers): the status it will be answered with.
            status[0] = refusal_status(exc)
            raise
        finally:
            metrics: Metrics | None = getattr(scope["app"].state, "metrics", None)
            if metrics is not None:
                route = scope.get("path_template") or "unmatched"
                seconds = time.perf_counter() - started
                metrics.observe(route, scope.get("method", "-"), str(status[0]), seconds)

    return middleware


class MetricsController(Controller):
    tags = ("operations",)

    @get("/metrics", operation_id="metrics", opt={"public": True}, include_in_schema=False)
    async def metrics(self, request: Request[Any, Any, Any], state: State) -> Response[Any]:
        """Prometheus exposition. Needs the bearer token when QS_METRICS_TOKEN is set."""
        token = state.settings.metrics_token
        if token:
            offered = request.headers.get("authorization", "")
            if not hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
                return problem(401, "unauthenticated", "A metrics token is needed")
        m: Metrics = state.metrics
        m.resources = state.resources
        await m.stats.refresh(state.resources.pool)
        return Response(generate_latest(m.registry), media_type=CONTENT_TYPE_LATEST)
