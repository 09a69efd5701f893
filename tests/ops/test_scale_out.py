"""Scale-out on one machine: two API processes and two projection runners on one PostgreSQL
and one Redis, behind a round-robin balancer. Under load, one API process and the runner
that owns the projectors are killed with SIGKILL: no acknowledged case is lost, the standby
runner takes over, and throughput comes back."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal

import pytest

from tests.support import load
from tests.support.balancer import Balancer
from tests.support.ops_procs import Procs, create_admin, service_env, start_api, start_projector, wait_ready
from tests.support.ops_world import (
    PROJECTOR_COUNT,
    locks_held,
    owner_pids,
    receipts_open,
    store_is_whole,
    submit_case,
    unit_projected,
    wait_until,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.ops]
WORKERS = 12
BEFORE, AFTER = 5.0, 8.0  # seconds of load before and after the kills
PASSWORD = "scale-out-password-1"


async def test_two_apis_two_runners_survive_sigkill_under_load(
    ops_dsn: str, redis_url: str, procs: Procs
) -> None:
    env = service_env(ops_dsn, os.environ.get("REDIS_URL") or redis_url)
    unit = create_admin(procs, env, PASSWORD)
    # The second runner starts once the first owns every projector: it is the standby. (Two
    # started together may split the projectors between them, which is allowed but is not
    # the situation this test is about.)
    runners = [start_projector(procs, "runner1", env)]
    apis = [start_api(procs, f"api{i}", env) for i in (1, 2)]
    for _, url in apis:
        await asyncio.to_thread(wait_ready, url)
    await wait_until(lambda: unit_projected(ops_dsn, unit), timeout=30)
    await wait_until(lambda: _all_owned(ops_dsn), timeout=30)
    runners.append(start_projector(procs, "runner2", env))
    await asyncio.sleep(1.0)  # the standby is up and trying the locks
    balancer = Balancer([("127.0.0.1", int(url.rsplit(":", 1)[1])) for _, url in apis])
    await balancer.start()
    try:
        running = asyncio.create_task(load.run(balancer.url, WORKERS, BEFORE + AFTER, submit_case(unit)))
        await asyncio.sleep(BEFORE)
        active = await owner_pids(ops_dsn, runners)
        assert len(active) == 1, f"one runner should own the projectors, found {active}"
        victim = next(p for p in runners if p.pid in active)
        os.kill(apis[0][0].pid, signal.SIGKILL)
        os.kill(victim.pid, signal.SIGKILL)
        outcomes = await running
        standby = next(p for p in runners if p is not victim)
        await wait_until(lambda: _all_owned(ops_dsn), timeout=30)
        assert await owner_pids(ops_dsn, runners) == {standby.pid}, "the standby runner took over"

        acknowledged = [o.body["receipt_code"] for o in outcomes if o.status == 201 and o.body]
        statuses = {o.status for o in outcomes}
        assert statuses <= {201, 0, 503}, f"unexpected answers: {statuses}"
        assert len(acknowledged) > 50, "the load must really have run"
        missing = await receipts_open(balancer.url, acknowledged)
        assert missing == [], f"{len(missing)} acknowledged cases do not open"
        events, receipts, doubled = await store_is_whole(ops_dsn)
        assert events == receipts and doubled == 0 and events >= len(acknowledged)

        before = load.rate(outcomes, 1.0, BEFORE)
        after = load.rate(outcomes, BEFORE + 3.0, BEFORE + AFTER)
        print(
            f"throughput {before:.0f}/s before, {after:.0f}/s after the kills (balancer refused "
            f"{balancer.refused} connections to the dead API)"
        )
        assert after >= 0.4 * before, f"throughput did not recover: {before:.0f}/s -> {after:.0f}/s"
        _logs_are_json_and_anonymous(procs, acknowledged)
    finally:
        await balancer.stop()


async def _all_owned(dsn: str) -> bool:
    return await locks_held(dsn) == PROJECTOR_COUNT


def _logs_are_json_and_anonymous(procs: Procs, codes: list[str]) -> None:
    """What the real processes wrote: JSON lines only, no client address, no receipt code."""
    lines = []
    for name in ("api1", "api2", "runner1", "runner2"):
        lines += (procs.folder / f"{name}.log").read_text(encoding="utf-8").splitlines()
    assert lines, "the processes logged something (at least their start)"
    banner = "Qunsheng 群声 on "  # printed for the operator at start, with the bind address
    entries = [json.loads(line) for line in lines if line.strip() and not line.startswith(banner)]
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    text = "\n".join(lines)
    clients = set(re.findall(r"127\.0\.\d+\.\d+", text)) - {"127.0.0.1"}  # the servers' own
    assert not clients, f"client addresses reached the logs: {clients}"
    assert not any(code in text for code in codes), "a receipt code reached the logs"
    assert not [e for e in entries if e["logger"] == "uvicorn.access"], "no access log, ever"
