"""A bounded HTTP load for the operations tests: many simulated clients on loopback.

Each worker is its own client with its own source address (127.0.0.N binds on Linux with
no setup), so per-client limits see many clients, as in production. Every outcome is
recorded with its time, so a test can ask what was acknowledged and when throughput came
back after a fault.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Outcome:
    at: float  # seconds since the load started
    status: int  # 0: no answer (connection refused, reset, timeout)
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


Op = Callable[[httpx.AsyncClient, int, int], Awaitable[httpx.Response]]


def client_for(n: int, base_url: str, timeout: float = 10.0) -> httpx.AsyncClient:
    """A client whose connections come from 127.0.0.(10 + n)."""
    address = f"127.0.{(10 + n) // 250}.{(10 + n) % 250 + 1}"
    transport = httpx.AsyncHTTPTransport(local_address=address, retries=0)
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout)


async def run(base_url: str, workers: int, seconds: float, op: Op, pause: float = 0.0) -> list[Outcome]:
    """`workers` clients calling `op(client, worker, i)` for `seconds`; every outcome."""
    outcomes: list[Outcome] = []
    started = time.monotonic()
    stop = started + seconds

    async def loop(w: int) -> None:
        async with client_for(w, base_url) as client:
            i = 0
            while time.monotonic() < stop:
                try:
                    r = await op(client, w, i)
                    body = r.json() if r.headers.get("content-type", "").endswith("json") else None
                    outcomes.append(Outcome(time.monotonic() - started, r.status_code, body, dict(r.headers)))
                except (httpx.HTTPError, OSError):
                    outcomes.append(Outcome(time.monotonic() - started, 0))
                    await asyncio.sleep(0.05)  # a dead backend: do not spin
                i += 1
                if pause:
                    await asyncio.sleep(pause)

    await asyncio.gather(*(loop(w) for w in range(workers)))
    return outcomes


def rate(
    outcomes: list[Outcome], start: float, end: float, statuses: tuple[int, ...] = (200, 201, 202)
) -> float:
    """Acknowledged requests per second between two moments of the run."""
    n = sum(1 for o in outcomes if start <= o.at < end and o.status in statuses)
    return n / max(end - start, 1e-9)
