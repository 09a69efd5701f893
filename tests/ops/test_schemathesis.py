"""Schemathesis against the service's own OpenAPI document, on a real `qunsheng serve`.

Requests are generated from /api/schema/openapi.json, valid and invalid, signed in as the
administrator with a bearer token (signed-out requests only ever reach the 401 check).
Whatever the input: no 5xx, and every error is application/problem+json. Bounded by a
number of examples and a deadline, so the suite stays fast on two cores.
"""

from __future__ import annotations

import asyncio
import os
import time

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

from tests.support.ops_procs import Procs, create_admin, service_env, start_api, start_projector, wait_ready
from tests.support.ops_surveys import admin_headers
from tests.support.ops_world import unit_projected, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.ops]
PASSWORD = "schemathesis-password-1"
EXAMPLES = int(os.environ.get("QS_SCHEMATHESIS_EXAMPLES", "600"))
SECONDS = 150.0


async def test_generated_requests_never_5xx_and_errors_are_problem_json(
    ops_dsn: str, redis_url: str, procs: Procs
) -> None:
    env = service_env(ops_dsn, os.environ.get("REDIS_URL") or redis_url)
    unit = create_admin(procs, env, PASSWORD)
    start_projector(procs, "runner", env)
    _, url = start_api(procs, "api", env)
    await asyncio.to_thread(wait_ready, url)
    await wait_until(lambda: unit_projected(ops_dsn, unit), timeout=30)
    headers = await admin_headers(url, PASSWORD)
    async with httpx.AsyncClient(base_url=url, headers=headers) as c:
        r = await c.post("/api/v1/auth/tokens", json={"label": "schemathesis"})
        assert r.status_code == 201, r.text
        bearer = {"Authorization": f"Bearer {r.json()['token']}"}
    failures = await asyncio.to_thread(_fuzz, url, bearer)
    assert failures == [], "\n".join(failures[:20])


def _fuzz(url: str, auth: dict[str, str]) -> list[str]:
    schema = schemathesis.openapi.from_url(url + "/api/schema/openapi.json")
    failures: list[str] = []
    deadline = time.monotonic() + SECONDS
    seen = {"n": 0}
    statuses: dict[int, int] = {}
    operations: set[str] = set()

    def check(case: schemathesis.Case) -> None:
        if time.monotonic() > deadline:
            return  # the time budget is spent: the remaining examples pass unasked
        seen["n"] += 1
        r = case.call(base_url=url, headers=auth, timeout=10)
        where = f"{case.method} {case.formatted_path} -> {r.status_code}"
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        operations.add(f"{case.method} {case.operation.path}")
        if r.status_code >= 500:
            failures.append(f"{where}: {r.text[:300]}")
        kind = ",".join(r.headers.get("content-type", []))  # schemathesis keeps header lists
        if r.status_code >= 400 and not kind.startswith("application/problem+json"):
            failures.append(f"{where}: error as {kind}")

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        strategy = schema.as_strategy(generation_mode=mode)
        run = settings(
            max_examples=EXAMPLES // 2,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )(given(case=strategy)(check))
        run()
    print(f"schemathesis: {seen['n']} requests over {len(operations)} operations; statuses {statuses}")
    assert seen["n"] > 50, "schemathesis must really have sent requests"
    return failures
