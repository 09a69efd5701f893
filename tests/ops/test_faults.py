"""Faults under load, on private servers this test may stop: Redis stopped, PostgreSQL
restarted, the API killed with SIGKILL ten times. The machine's shared servers are never
touched. Each test is bounded (about 15-50 s) and kills everything it started."""

from __future__ import annotations

import asyncio
import os
import time

import httpx
import pytest

from tests.support import load
from tests.support.ops_procs import (
    PrivatePostgres,
    PrivateRedis,
    Procs,
    create_admin,
    service_env,
    start_api,
    start_projector,
    wait_ready,
)
from tests.support.ops_surveys import (
    admin_headers,
    answer_or_case,
    answers_counted,
    answers_stored,
    as_leader,
    live_push_arrives,
    published_survey,
)
from tests.support.ops_world import receipts_open, store_is_whole, unit_projected, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.ops]
PASSWORD = "fault-test-password-1"


async def _service(procs: Procs, dsn: str, redis: str) -> tuple[str, str, str, dict[str, str]]:
    """A runner and one API on `dsn`; returns (api url, unit, survey, env)."""
    env = service_env(dsn, redis)
    unit = create_admin(procs, env, PASSWORD)
    start_projector(procs, "runner", env)
    _, url = start_api(procs, "api", env)
    await asyncio.to_thread(wait_ready, url)
    await wait_until(lambda: unit_projected(dsn, unit), timeout=30)
    survey = await published_survey(url, await admin_headers(url, PASSWORD), unit)
    return url, unit, survey, env


async def _check_acknowledged(url: str, dsn: str, survey: str, outcomes: list[load.Outcome]) -> None:
    codes = [o.body["receipt_code"] for o in outcomes if o.status == 201 and o.body]
    assert await receipts_open(url, codes) == [], "an acknowledged case is lost"
    events, receipts, doubled = await store_is_whole(dsn)
    assert events == receipts and doubled == 0, "a half-written case submission"
    answered = sum(1 for o in outcomes if o.status == 202)
    assert await answers_stored(dsn, survey) >= answered


async def test_redis_stopped_mid_run_answers_and_cases_still_accepted_and_served(
    ops_dsn: str, procs: Procs
) -> None:
    redis = PrivateRedis(procs)
    redis.start()
    url, unit, survey, _ = await _service(procs, ops_dsn, redis.url)
    leader = await as_leader(url, PASSWORD, unit)
    sids: dict[tuple[int, int], str] = {}
    running = asyncio.create_task(load.run(url, 6, 9.0, answer_or_case(unit, survey, sids), pause=0.05))
    await asyncio.sleep(2.0)
    redis.stop()
    await asyncio.sleep(1.0)
    async with httpx.AsyncClient(base_url=url, headers=leader) as c:
        off = await c.get("/lead/live", params={"probe": "true"})
        assert off.status_code == 503, "live push says it is off while Redis is away"
    await asyncio.sleep(3.0)
    redis.start()
    outcomes = await running
    assert {o.status for o in outcomes} <= {201, 202, 429}, "every request answered while Redis was away"
    # The only refusals: answers over the open link's per-client minute, a limit that holds
    # in PostgreSQL while Redis is away (each client here answers ~8 times a second).
    refused = [o for o in outcomes if o.status == 429]
    assert all(o.body and str(o.body.get("type", "")).endswith("too-many-requests") for o in refused)
    assert load.rate(outcomes, 2.5, 6.0, (201,)) > 0 and load.rate(outcomes, 2.5, 6.0, (202,)) > 0
    await _check_acknowledged(url, ops_dsn, survey, outcomes)
    assert await answers_stored(ops_dsn, survey) == sum(1 for o in outcomes if o.status == 202)
    async with httpx.AsyncClient(base_url=url) as c:  # Redis back: reported ready again
        await wait_until(lambda: _redis_ok(c), timeout=10)
    assert await live_push_arrives(url, leader, unit), "live push resumed when Redis returned"


async def _redis_ok(c: httpx.AsyncClient) -> bool:
    r = await c.get("/ready")
    return r.status_code == 200 and r.json()["redis"] == "ok"


async def test_postgres_restarted_mid_run_gives_503_with_retry_after_then_recovers(
    procs: Procs, redis_url: str
) -> None:
    pg = PrivatePostgres(procs)
    pg.start()
    try:
        url, unit, survey, _ = await _service(procs, pg.dsn, os.environ.get("REDIS_URL") or redis_url)
        sids: dict[tuple[int, int], str] = {}
        running = asyncio.create_task(load.run(url, 8, 14.0, answer_or_case(unit, survey, sids), pause=0.25))
        await asyncio.sleep(3.0)
        await asyncio.to_thread(pg.stop, "fast")
        await asyncio.sleep(3.0)
        await asyncio.to_thread(pg.start)
        outcomes = await running
        refused = [o for o in outcomes if o.status not in (201, 202)]
        assert refused, "the restart must have been felt"
        for o in refused:
            assert o.status == 503, f"{o.status} at {o.at:.1f} s: only 503 may answer a database outage"
            assert int(o.headers["retry-after"]) >= 1
            assert o.headers["content-type"].startswith("application/problem+json")
        assert load.rate(outcomes, 10.0, 14.0) > 0, "the service did not recover by itself"
        await _check_acknowledged(url, pg.dsn, survey, outcomes)
    finally:
        pg.stop("immediate")


async def test_api_killed_ten_times_under_load_every_acknowledged_case_and_answer_once(
    ops_dsn: str, redis_url: str, procs: Procs
) -> None:
    url, unit, survey, env = await _service(procs, ops_dsn, os.environ.get("REDIS_URL") or redis_url)
    port = url.rsplit(":", 1)[1]
    api = procs.running[-1]
    sids: list[str] = []
    stop = asyncio.Event()

    async def respondent(w: int) -> None:
        # Retries a submission with the same id until it is acknowledged, as the form does.
        # Each respondent is a new client address (the open link allows 30 a minute per client).
        while not stop.is_set():
            sid = f"kill-{w}-{len(sids)}-" + os.urandom(4).hex()
            sids.append(sid)
            body = {"submission_id": sid, "answers": {"q_members": "satisfied"}, "unit_id": unit}
            async with load.client_for(len(sids) * 4 + w, url, timeout=5) as client:
                while True:
                    try:
                        r = await client.post(f"/api/v1/public/surveys/{survey}/answers", json=body)
                        if r.status_code == 202:
                            break
                        assert r.status_code == 503, r.text
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.1)

    cases: list[load.Outcome] = []
    workers = [asyncio.create_task(respondent(w)) for w in range(4)]
    casing = asyncio.create_task(_cases_until(stop, url, unit, cases))
    try:
        for _ in range(10):
            await asyncio.sleep(1.2)
            procs.kill(api)
            api = procs.start("api", [env_bin(), "serve"], {**env, "QS_PORT": port, "QS_HOST": "127.0.0.1"})
            await asyncio.to_thread(wait_ready, url)
        await asyncio.sleep(1.0)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*workers, casing), timeout=60)
    headers = await admin_headers(url, PASSWORD)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as c:
        r = await c.post(f"/api/v1/surveys/{survey}/release")
        assert r.status_code == 200, r.text
    acked = sum(1 for o in cases if o.status == 201)
    print(f"10 kills: {len(sids)} answers, {acked} acknowledged cases")
    assert len(sids) > 20 and acked > 20, "the load must really have run"
    assert await answers_stored(ops_dsn, survey) == len(sids), "every answer stored exactly once"
    # ... and counted exactly once by the projection (a doubled batch would overshoot).
    await wait_until(lambda: _counted(ops_dsn, survey, len(sids)), timeout=30)
    await _check_acknowledged(url, ops_dsn, survey, cases)


async def _counted(dsn: str, survey: str, expected: int) -> bool:
    counted = await answers_counted(dsn, survey)
    assert counted <= expected, f"{counted} answers counted for {expected} submitted"
    return counted == expected


def env_bin() -> str:
    from tests.support.ops_procs import QUNSHENG

    return QUNSHENG


async def _cases_until(stop: asyncio.Event, url: str, unit: str, out: list[load.Outcome]) -> None:
    started = time.monotonic()
    async with load.client_for(99, url, timeout=5) as client:
        while not stop.is_set():
            try:
                r = await client.post(
                    "/api/v1/cases", json={"kind": "suggestion", "unit_id": unit, "text": "杀"}
                )
                body = r.json() if r.status_code == 201 else None
                out.append(load.Outcome(time.monotonic() - started, r.status_code, body))
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
