"""What the multi-process tests share: waiting for projections, finding the runner that owns
the projectors, submitting cases, checking every acknowledged receipt afterwards."""

from __future__ import annotations

import asyncio
import os
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


async def admin_headers(base_url: str, password: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        r = await client.post("/api/v1/auth/sign-in", json={"login": "root", "password": password})
        assert r.status_code == 200, r.text
        return {"Cookie": f"qs_session={r.cookies['qs_session']}", "X-CSRF-Token": r.json()["csrf_token"]}


async def published_survey(base_url: str, headers: dict[str, str], unit: str) -> str:
    """An open-link survey of one question, published with k = 5."""
    from tests.support.surveys import QUESTIONS

    async with httpx.AsyncClient(base_url=base_url, timeout=10, headers=headers) as client:
        r = await client.post(
            "/api/v1/surveys",
            json={"owner_unit_id": unit, "title": {"zh": "测评"}, "questions": QUESTIONS, "access": "open"},
        )
        assert r.status_code == 201, r.text
        survey = str(r.json()["survey_id"])
        body = {"k": 5, "comment_threshold": 10, "segment_questions": ["q_group"]}
        r = await client.post(f"/api/v1/surveys/{survey}/publish", json=body)
        assert r.status_code == 200, r.text
        return survey


def answer_or_case(unit: str, survey: str, sids: dict[tuple[int, int], str]) -> object:
    """Odd requests answer the survey (submission id kept per (worker, i), so a retry could
    reuse it), even ones raise a case."""

    async def op(client: httpx.AsyncClient, worker: int, i: int) -> httpx.Response:
        if i % 2:
            sid = sids.setdefault((worker, i), f"w{worker}i{i}" + os.urandom(4).hex())
            body = {"submission_id": sid, "answers": {"q_members": "satisfied"}, "unit_id": unit}
            return await client.post(f"/api/v1/public/surveys/{survey}/answers", json=body)
        body = {"kind": "suggestion", "unit_id": unit, "text": f"故障 {worker}-{i}"}
        return await client.post("/api/v1/cases", json=body)

    return op


async def answers_stored(dsn: str, survey: str) -> int:
    """Answers waiting in the mixing pool plus answers released as events."""
    conn = await connect(dsn)
    try:
        pooled = await conn.fetchval("SELECT count(*) FROM survey_pool WHERE survey_id = $1", survey)
        released = await conn.fetchval(
            "SELECT count(*) FROM events WHERE type = 'AnswerRecorded' AND stream_id = $1",
            f"answers-{survey}",
        )
        return int(pooled) + int(released)
    finally:
        await conn.close()


async def as_leader(base_url: str, password: str, unit: str) -> dict[str, str]:
    """The admin's session, after granting it the leader role on `unit` (for dashboards)."""
    headers = await admin_headers(base_url, password)
    async with httpx.AsyncClient(base_url=base_url, timeout=10, headers=headers) as c:
        me = (await c.get("/api/v1/auth/me")).json()
        r = await c.post(
            f"/api/v1/accounts/{me['account_id']}/roles", json={"unit_id": unit, "role": "leader"}
        )
        assert r.status_code == 200, r.text
    return headers


async def live_push_arrives(base_url: str, headers: dict[str, str], unit: str, timeout: float = 15.0) -> bool:
    """Open the dashboards' event stream, raise a case, and wait for the stream to say so."""
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=timeout, headers=headers) as c,
        c.stream("GET", "/lead/live") as stream,
    ):
        if stream.status_code != 200:
            return False
        lines = stream.aiter_lines()
        while "ready" not in await anext(lines):
            pass
        body = {"kind": "suggestion", "unit_id": unit, "text": "推送"}
        r = await c.post("/api/v1/cases", json=body)
        assert r.status_code == 201, r.text
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = await asyncio.wait_for(anext(lines), timeout)
            if line.startswith("event: change"):
                return True
    return False


async def answers_counted(dsn: str, survey: str) -> int:
    """Answers the ballot_accounting projection has counted for the survey."""
    conn = await connect(dsn)
    try:
        if not await conn.fetchval("SELECT to_regclass('ballot_accounting') IS NOT NULL"):
            return 0
        return int(
            await conn.fetchval(
                "SELECT coalesce(sum(answers), 0) FROM ballot_accounting WHERE survey_id = $1", survey
            )
        )
    finally:
        await conn.close()
