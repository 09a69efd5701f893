"""What the multi-process tests share: waiting for projections, finding the runner that owns
the projectors, submitting cases, checking every acknowledged receipt afterwards."""

from __future__ import annotations

import asyncio
import subprocess
import time

import asyncpg
import httpx
import psutil

from projections.catalogue import all_projectors


async def connect(dsn: str, patience: float = 20.0) -> asyncpg.Connection:
    """A connection, waiting while the shared server is full (other test runs share it)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return await asyncpg.connect(dsn)
        except asyncpg.TooManyConnectionsError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def wait_until(check: object, timeout: float, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not await check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(every)


async def unit_projected(dsn: str, unit: str) -> bool:
    conn = await connect(dsn)
    try:
        return bool(await conn.fetchval("SELECT to_regclass('unit_tree') IS NOT NULL")) and bool(
            await conn.fetchval("SELECT true FROM unit_tree WHERE unit_id = $1", unit)
        )
    finally:
        await conn.close()


async def owner_pids(dsn: str, candidates: list[subprocess.Popen[bytes]]) -> set[int]:
    """The runner processes that hold a projector's advisory lock (classid 2, runner.py).

    The lock belongs to a PostgreSQL backend; the backend's client port is matched with the
    local ports of each candidate process's sockets.
    """
    conn = await connect(dsn)
    try:
        ports = {
            r["client_port"]
            for r in await conn.fetch(
                """SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                    WHERE l.locktype = 'advisory' AND l.classid = 2 AND l.granted
                      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"""
            )
        }
    finally:
        await conn.close()
    owners = set()
    for proc in candidates:
        if proc.poll() is not None:
            continue
        local = {c.laddr.port for c in psutil.Process(proc.pid).net_connections(kind="tcp") if c.laddr}
        if local & ports:
            owners.add(proc.pid)
    return owners


async def locks_held(dsn: str) -> int:
    conn = await connect(dsn)
    try:
        return int(
            await conn.fetchval(
                """SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 2 AND granted
                     AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"""
            )
        )
    finally:
        await conn.close()


PROJECTOR_COUNT = len(all_projectors())


def submit_case(unit: str) -> object:
    async def op(client: httpx.AsyncClient, worker: int, i: int) -> httpx.Response:
        body = {"kind": "suggestion", "unit_id": unit, "text": f"负载 {worker}-{i}"}
        return await client.post("/api/v1/cases", json=body)

    return op


async def receipts_open(base_url: str, codes: list[str], timeout: float = 60.0) -> list[str]:
    """Every code that does not (yet) open its case, retrying until `timeout`."""
    missing = list(codes)
    deadline = time.monotonic() + timeout
    sem = asyncio.Semaphore(8)

    async def opens(client: httpx.AsyncClient, code: str) -> bool:
        async with sem:
            try:
                r = await client.post("/api/v1/receipt", json={"code": code})
            except httpx.HTTPError:
                return False
            return r.status_code == 200

    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        while missing and time.monotonic() < deadline:
            ok = await asyncio.gather(*(opens(client, c) for c in missing))
            missing = [c for c, good in zip(missing, ok, strict=True) if not good]
            if missing:
                await asyncio.sleep(0.5)
    return missing


async def store_is_whole(dsn: str) -> tuple[int, int, int]:
    """(cases submitted, receipts kept, CaseSubmitted events beyond one per stream):
    a half-written submission would show as a receipt without its event or the reverse."""
    conn = await connect(dsn)
    try:
        events = await conn.fetchval("SELECT count(*) FROM events WHERE type = 'CaseSubmitted'")
        receipts = await conn.fetchval("SELECT count(*) FROM case_receipts")
        doubled = await conn.fetchval(
            """SELECT count(*) FROM (SELECT stream_id FROM events WHERE type = 'CaseSubmitted'
                GROUP BY stream_id HAVING count(*) > 1) d"""
        )
        return int(events), int(receipts), int(doubled)
    finally:
        await conn.close()
