"""`qunsheng serve --workers N` keeps TCP_NODELAY on its connections (services/ops/serving.py):
a keep-alive request is answered in about a millisecond, not after a ~40 ms delayed ACK."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import time

import httpx
import pytest

from services.ops.serving import listening_socket
from tests.support.balancer import free_port
from tests.support.ops_procs import QUNSHENG, Procs, service_env, wait_ready

pytestmark = [pytest.mark.integration, pytest.mark.ops]


@pytest.mark.unit
def test_the_shared_socket_says_tcp() -> None:
    with listening_socket("127.0.0.1", 0) as sock:
        assert sock.proto == socket.IPPROTO_TCP  # what asyncio checks before TCP_NODELAY


async def test_two_workers_answer_keep_alive_requests_without_nagle_delays(
    ops_dsn: str, redis_url: str, procs: Procs
) -> None:
    port = free_port()
    env = {**service_env(ops_dsn, os.environ.get("REDIS_URL") or redis_url), "QS_PORT": str(port)}
    procs.start("api", [QUNSHENG, "serve", "--workers", "2"], env)
    url = f"http://127.0.0.1:{port}"
    await asyncio.to_thread(wait_ready, url)
    times = []
    async with httpx.AsyncClient(base_url=url) as c:  # one connection, kept alive
        for _ in range(30):
            started = time.perf_counter()
            assert (await c.get("/health")).status_code == 200
            times.append((time.perf_counter() - started) * 1000)
    assert statistics.median(times) < 20, f"median {statistics.median(times):.1f} ms: Nagle is back"


async def test_bodies_are_read_once_under_a_real_server(ops_dsn: str, redis_url: str, procs: Procs) -> None:
    """A route that declares its body for the OpenAPI document (Litestar reads it) and then
    decodes it strictly must not read `receive` again: under uvicorn that waits for the
    client to hang up (the test client answers at once, so only a real server shows it)."""
    port = free_port()
    env = {**service_env(ops_dsn, os.environ.get("REDIS_URL") or redis_url), "QS_PORT": str(port)}
    procs.start("api", [QUNSHENG, "serve"], env)
    url = f"http://127.0.0.1:{port}"
    await asyncio.to_thread(wait_ready, url)
    async with httpx.AsyncClient(base_url=url, timeout=5) as c:
        wrong = await c.post("/api/v1/auth/sign-in", json={"login": "nobody", "password": "not-the-password"})
        assert wrong.status_code == 401
        case = await c.post(
            "/api/v1/cases", json={"kind": "suggestion", "unit_id": "nowhere", "text": "食堂"}
        )
        assert case.status_code in (404, 422) and case.headers["content-type"].startswith(
            "application/problem+json"
        )
