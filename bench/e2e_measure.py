"""Measuring tools of the end-to-end benchmark: paced load, projection lag, memory, p95."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime

import asyncpg
import httpx
import psutil

from bench import load
from bench.harness import percentile


async def paced(
    host: str, port: int, requests: list[bytes], rate: float, seconds: float, connections: int = 64
) -> Counter[int]:
    """Send at a fixed total `rate` (requests/s) over `connections` keep-alive connections.

    Each connection owns every `connections`-th slot of the schedule; a slow answer delays
    only its own connection (the open-loop rate is what the figure is measured at).
    """
    statuses: Counter[int] = Counter()
    queue = iter(requests)
    started = time.perf_counter()
    interval = connections / rate

    async def client(c: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            slot = started + c / rate
            while slot < started + seconds:
                await asyncio.sleep(max(0.0, slot - time.perf_counter()))
                raw = next(queue, None)
                if raw is None:
                    raise RuntimeError("out of prepared requests")
                statuses[await load._one(reader, writer, raw)] += 1
                slot += interval
        finally:
            writer.close()

    await asyncio.gather(*(client(c) for c in range(connections)))
    return statuses


class LagProbe:
    """Polls the slowest of `names`' checkpoints every 10 ms with the database's clock; an
    event's lag is the first poll that found it projected minus its recorded_at (the start
    of the transaction that wrote it, so the figure includes that transaction's length)."""

    def __init__(self, dsn: str, names: list[str]) -> None:
        self.dsn, self.names = dsn, names
        self.polls: list[tuple[tuple[int, int, int], datetime]] = []
        self._task: asyncio.Task[None] | None = None
        self.since: datetime | None = None

    async def start(self) -> None:
        self.conn = await asyncpg.connect(self.dsn)
        self.since = await self.conn.fetchval("SELECT clock_timestamp()")
        self._task = asyncio.create_task(self._poll())

    async def _poll(self) -> None:
        while True:
            row = await self.conn.fetchrow(
                "SELECT era, tx, pos, clock_timestamp() AS at FROM projection_checkpoints"
                " WHERE name = ANY($1) ORDER BY era, tx, pos LIMIT 1",
                self.names,
            )
            if row is not None:
                self.polls.append(((row["era"], row["tx"], row["pos"]), row["at"]))
            await asyncio.sleep(0.01)

    async def stop(self, types: list[str]) -> dict[str, float]:
        await asyncio.sleep(2.0)  # let the last events be projected
        assert self._task is not None
        self._task.cancel()
        rows = await self.conn.fetch(
            "SELECT era, transaction_id::text::bigint AS tx, position, recorded_at FROM events"
            " WHERE recorded_at >= $1 AND type = ANY($2)",
            self.since,
            types,
        )
        await self.conn.close()
        keys = [p[0] for p in self.polls]
        lags = []
        for r in rows:
            i = bisect.bisect_left(keys, (r["era"], r["tx"], r["position"]))
            if i < len(keys):
                lags.append((self.polls[i][1] - r["recorded_at"]).total_seconds() * 1000)
        if not lags:
            return {"events": 0.0, "p50_ms": float("nan"), "p99_ms": float("nan")}
        return {"events": float(len(lags)), "p50_ms": percentile(lags, 50), "p99_ms": percentile(lags, 99)}


class RssSampler:
    """Samples the summed resident memory of some processes every `every` seconds."""

    def __init__(self, pids: Callable[[], list[int]], every: float = 0.25) -> None:
        self.pids, self.every = pids, every
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MiB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self.started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for pid in self.pids():
                with contextlib.suppress(psutil.Error):
                    total += psutil.Process(pid).memory_info().rss
            if total:
                self.samples.append((time.monotonic() - self.started, total / 2**20))
            self._stop.wait(self.every)

    def summary(self) -> dict[str, float]:
        values = [m for _, m in self.samples]
        if not values:
            return {"first": 0.0, "after_10pct": 0.0, "max": 0.0, "last": 0.0}
        return {
            "first": values[0],
            "after_10pct": values[len(values) // 10],
            "max": max(values),
            "last": values[-1],
        }


def tree_pids(root_pid: int) -> Callable[[], list[int]]:
    """A process and its children (uvicorn's workers)."""

    def pids() -> list[int]:
        try:
            proc = psutil.Process(root_pid)
            return [proc.pid, *(c.pid for c in proc.children(recursive=True))]
        except psutil.Error:
            return []

    return pids


def workers_of(root_pid: int) -> Callable[[], list[int]]:
    """Only the worker processes of a uvicorn supervisor (or the process itself if none)."""

    def pids() -> list[int]:
        try:
            children = psutil.Process(root_pid).children(recursive=True)
        except psutil.Error:
            return []
        workers = []
        for c in children:
            try:
                if "spawn_main" in " ".join(c.cmdline()):
                    workers.append(c.pid)
            except psutil.Error:
                pass
        return workers or [root_pid]

    return pids


async def http_p95(base: str, headers: dict[str, str], paths: list[str]) -> tuple[float, float, Counter[int]]:
    """p95 in ms of GETs of `paths` in turn from one client (the dashboard's own pattern):
    a first pass (each path once: cold caches, as the first view of a unit) and a second
    pass over the same paths (the repeat views). Returns (first p95, repeat p95, statuses)."""
    passes: list[list[float]] = [[], []]
    statuses: Counter[int] = Counter()
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as c:
        await c.get("/health")  # open the connection
        for times in passes:
            for path in paths:
                t = time.perf_counter()
                r = await c.get(path)
                times.append((time.perf_counter() - t) * 1000)
                statuses[r.status_code] += 1
    return percentile(passes[0], 95), percentile(passes[1], 95), statuses
