"""Sessions, surveys and live push for the multi-process tests (see ops_world.py)."""

from __future__ import annotations

import asyncio
import os
import time

import httpx

from tests.support.ops_world import connect


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
