"""Liveness, readiness and the problem+json contract for errors the framework raises."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

pytestmark = pytest.mark.api
Client = AsyncTestClient[Litestar]


async def test_health_answers_ok(client: Client) -> None:
    r = await client.get("/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


async def test_ready_reports_database_migrations_and_projectors(client: Client) -> None:
    r = await client.get("/ready")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ready" and body["pending_migrations"] == []
    assert body["redis"] == "ok"


async def test_unknown_route_answers_problem_json_404(client: Client) -> None:
    r = await client.get("/no/such/page")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == "/problems/not-found"


async def test_wrong_method_answers_problem_json_405(client: Client) -> None:
    r = await client.delete("/health")
    assert r.status_code == 405 and r.json()["type"] == "/problems/method-not-allowed"
