"""/metrics and security headers, through the real app in-process (logs: test_logs.py)."""

from __future__ import annotations

import re

import msgspec
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from events.store import EventStore
from services.settings import Settings
from tests.support.access import World, settings, world
from tests.support.fakes import FixedClock, SequentialIds

pytestmark = [pytest.mark.api, pytest.mark.ops]
__all__ = ["settings", "world"]


async def _submit(world: World, text: str = "食堂问题") -> dict[str, str]:
    body = {"kind": "suggestion", "unit_id": world.units["A1"], "text": text}
    r = await world.client.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _value(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))  # exposition sorts labels
    pattern = "(?m)^" + re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)"
    found = re.search(pattern, text)
    assert found, f"{name} {labels} not in /metrics"
    return float(found.group(1))


async def test_metrics_show_route_latency_store_figures_and_pool(world: World) -> None:
    for _ in range(3):
        await _submit(world)
    r = await world.client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    text = r.text
    # latency by route template, never by concrete path
    assert (
        _value(
            text, "qs_http_request_duration_seconds_count", route="/api/v1/cases", method="POST", status="201"
        )
        == 3
    )
    assert "/api/v1/units/" + world.units["A"] not in text
    assert _value(text, "qs_events_appended_total", type="CaseSubmitted") == 3
    assert _value(text, "qs_projector_lag_events", projector="open_issue_queue") >= 0
    assert _value(text, "qs_projector_lag_seconds", projector="case_timeline") >= 0
    for name in (
        "qs_mixing_pool_answers",
        "qs_release_batches_total",
        "qs_sla_breaches_total",
        "qs_db_pool_in_use",
        "qs_db_pool_connections",
        "qs_db_pool_max",
    ):
        assert _value(text, name) >= 0
    assert _value(text, "qs_database_up") == 1


async def test_metrics_follow_the_mixing_pool_and_its_releases(app: Litestar, world: World) -> None:
    from tests.support.surveys import answer, answer_body, published_survey, release

    app.state.survey_release_seconds = 0  # the pool waits until the test releases it
    survey = await published_survey(world, world.units["A"])
    for _ in range(6):
        await answer(world, survey, answer_body(unit=world.units["A1"]))

    async def scrape() -> str:
        app.state.metrics.stats.refreshed_at = 0.0  # figures are cached for two seconds
        return (await world.client.get("/metrics")).text

    text = await scrape()
    assert _value(text, "qs_mixing_pool_answers") == 6
    assert _value(text, "qs_release_batches_total") == 0
    assert await release(world, survey) == 6
    text = await scrape()
    assert _value(text, "qs_mixing_pool_answers") == 0
    assert _value(text, "qs_release_batches_total") == 1
    assert _value(text, "qs_events_appended_total", type="AnswerRecorded") == 6


async def test_metrics_token_when_configured(settings: Settings, pool: object) -> None:
    closed = msgspec.structs.replace(settings, metrics_token="scrape-me")
    app = Litestar_app(closed)
    async with AsyncTestClient(app=app) as c:
        refused = await c.get("/metrics")
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert (await c.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        assert (await c.get("/metrics", headers={"Authorization": "Bearer scrape-me"})).status_code == 200


def Litestar_app(s: Settings) -> Litestar:
    from services.app import create_app

    return create_app(s, clock=FixedClock(), ids=SequentialIds())


REQUIRED = ("content-security-policy", "x-content-type-options", "referrer-policy")


async def test_security_headers_on_every_page(app: Litestar, world: World, settings: Settings) -> None:
    paths = sorted(
        {
            route.path
            for route in app.routes
            if isinstance(route, HTTPRoute) and "GET" in route.methods and "{" not in route.path
        }
    )
    assert "/health" in paths
    responses = [await world.client.get(p, headers=world.root) for p in paths]
    responses.append(await world.client.get("/no/such/page"))
    responses.append(await world.client.post("/api/v1/cases", json={"bad": 1}))
    for r in responses:
        for name in REQUIRED:
            assert name in r.headers, f"{r.request.url.path} ({r.status_code}) lacks {name}"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in r.headers  # plain HTTP: no HSTS
    async with AsyncTestClient(app=Litestar_app(settings), base_url="https://qunsheng.test") as tls:
        r = await tls.get("/health")
        assert r.headers["strict-transport-security"].startswith("max-age=")


async def test_metrics_count_sla_breaches(
    app: Litestar, world: World, store: EventStore, clock: FixedClock
) -> None:
    from types import SimpleNamespace

    from services.cases import scheduler

    await _submit(world, "宿舍漏水")
    clock.advance(days=60)  # far past every time limit of an untouched case
    await scheduler.tick(SimpleNamespace(pool=store.pool, store=store), clock)
    breached = await store.pool.fetchval("SELECT count(*) FROM events WHERE type = 'CaseBreached'")
    assert breached >= 1
    app.state.metrics.stats.refreshed_at = 0.0
    text = (await world.client.get("/metrics")).text
    assert _value(text, "qs_sla_breaches_total") == breached


async def test_refusals_of_the_access_check_are_counted_with_their_own_status(world: World) -> None:
    """The access check runs outside the route's exception handlers: its 401/403 must still
    be timed as 401/403, not as 500 (which the 5xx alert would page someone for)."""
    signed_out = await world.client.get("/api/v1/queue")
    assert signed_out.status_code == 401
    cross_site = await world.client.post(
        "/api/v1/cases",
        json={"kind": "suggestion", "unit_id": world.units["A1"], "text": "x"},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert cross_site.status_code == 403
    text = (await world.client.get("/metrics")).text
    count = "qs_http_request_duration_seconds_count"
    assert _value(text, count, route="/api/v1/queue", method="GET", status="401") == 1
    assert _value(text, count, route="/api/v1/cases", method="POST", status="403") == 1
    assert 'status="500"' not in text
