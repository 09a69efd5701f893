"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import State

from events.store.migrate import pending
from projections.catalogue import all_projectors
from projections.status import ProjectorLag, lag
from services.problems import DB_DOWN, problem


class Readiness(msgspec.Struct):
    status: str
    database: str
    redis: str
    pending_migrations: list[str]
    projectors: list[ProjectorLag]


class HealthController(Controller):
    tags = ("operations",)

    @get("/health", operation_id="health", opt={"public": True})
    async def health(self) -> dict[str, str]:
        """The process is alive and serving."""
        return {"status": "ok"}

    @get("/ready", operation_id="ready", opt={"public": True})
    async def ready(self, state: State) -> Response[Any]:
        """Database reachable, migrations applied, projector lag. Redis is reported, not required."""
        res = state.resources
        try:
            missing = await pending(res.pool)
            lags = await lag(res.pool, [p.name for p in all_projectors()])
        except DB_DOWN:
            return problem(503, "unavailable", "Database unreachable", headers={"Retry-After": "2"})
        try:
            redis_status = "ok" if await res.redis.ping() else "down"
        except Exception:  # any Redis failure only degrades speed, never readiness
            redis_status = "down"
        if missing:
            return problem(503, "migrations-pending", "Migrations not applied", pending=missing)
        body = Readiness("ready", "ok", redis_status, missing, lags)
        return Response(msgspec.to_builtins(body))
