"""Guessing from many simulated clients, through two API processes behind the balancer:
the limits live in Redis (PostgreSQL when Redis is down), so they hold across replicas
and across client addresses.

Receipt codes: 10 wrong codes a minute per client, 1,000 for everyone together. Sign-in:
5 failures a minute per account whoever tries, 20 per client.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter

import httpx
import pytest

from tests.support import load
from tests.support.balancer import Balancer
from tests.support.ops_procs import Procs, create_admin, service_env, start_api, start_projector, wait_ready
from tests.support.ops_world import unit_projected, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.ops]
PASSWORD = "abuse-test-password-1"
CONCURRENCY = 16


@pytest.fixture
async def cluster(ops_dsn: str, redis_url: str, procs: Procs) -> tuple[Balancer, str]:
    env = service_env(ops_dsn, os.environ.get("REDIS_URL") or redis_url)
    unit = create_admin(procs, env, PASSWORD)
    start_projector(procs, "runner", env)
    apis = [start_api(procs, f"api{i}", env) for i in (1, 2)]
    for _, url in apis:
        await asyncio.to_thread(wait_ready, url)
    await wait_until(lambda: unit_projected(ops_dsn, unit), timeout=30)
    balancer = Balancer([("127.0.0.1", int(url.rsplit(":", 1)[1])) for _, url in apis])
    await balancer.start()
    yield balancer, unit  # type: ignore[misc]
    await balancer.stop()


async def _from(client_no: int, url: str, path: str, bodies: list[dict[str, str]]) -> list[httpx.Response]:
    async with load.client_for(client_no, url) as c:
        return [await c.post(path, json=b) for b in bodies]


async def test_receipt_guessing_limited_per_client_and_for_everyone(cluster: tuple[Balancer, str]) -> None:
    balancer, unit = cluster
    async with httpx.AsyncClient(base_url=balancer.url) as c:
        r = await c.post("/api/v1/cases", json={"kind": "sentiment", "unit_id": unit, "text": "真码"})
        real = r.json()["receipt_code"]
    wrong = [{"code": f"ZZZZ-ZZZZ-ZZZZ-ZZZZ-{n:04d}"} for n in range(12)]
    alone = [r.status_code for r in await _from(1, balancer.url, "/api/v1/receipt", wrong)]
    assert alone == [404] * 10 + [429] * 2, "one client: ten wrong codes a minute"

    # 130 more clients, 8 wrong codes each: none reaches its own limit, together they pass 1,000.
    sem = asyncio.Semaphore(CONCURRENCY)

    async def guesser(n: int) -> list[int]:
        async with sem:
            return [r.status_code for r in await _from(100 + n, balancer.url, "/api/v1/receipt", wrong[:8])]

    statuses = Counter(s for batch in await asyncio.gather(*(guesser(n) for n in range(130))) for s in batch)
    assert set(statuses) <= {404, 429}
    # The global check and the count are not one atomic step: requests in flight together
    # may each pass the check, so the overshoot is bounded by the concurrency.
    assert 1000 - 10 <= statuses[404] <= 1000 - 10 + CONCURRENCY, statuses
    assert statuses[429] >= 1040 - 1000 - CONCURRENCY
    guess, holder = await _from(999, balancer.url, "/api/v1/receipt", [wrong[0], {"code": real}])
    assert guess.status_code == 429 and int(guess.headers["retry-after"]) >= 1
    # The global limit slows guessers only: a real holder, from a client of its own, still
    # opens the case while it holds (nobody can lock holders out by flooding wrong codes).
    assert holder.status_code == 200, holder.text


async def test_sign_in_guessing_limited_per_account_from_any_client_and_per_client(
    cluster: tuple[Balancer, str],
) -> None:
    balancer, _ = cluster
    wrong = {"login": "root", "password": "not the password"}
    sem = asyncio.Semaphore(CONCURRENCY)

    async def attempt(n: int, body: dict[str, str]) -> int:
        async with sem:
            return (await _from(200 + n, balancer.url, "/api/v1/auth/sign-in", [body]))[0].status_code

    statuses = Counter(await asyncio.gather(*(attempt(n, wrong) for n in range(30))))
    assert statuses[401] <= 5 + CONCURRENCY and statuses[429] >= 30 - 5 - CONCURRENCY, statuses
    right = await attempt(99, {"login": "root", "password": PASSWORD})
    assert right == 429, "the account stays locked for the minute, whoever asks"

    unknown = [{"login": f"nobody{n}", "password": "x" * 12} for n in range(22)]
    alone = [r.status_code for r in await _from(300, balancer.url, "/api/v1/auth/sign-in", unknown)]
    assert alone == [401] * 20 + [429] * 2, "one client: twenty failures a minute"
