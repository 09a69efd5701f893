"""End-to-end anonymous intake over HTTP at 64 concurrent clients, beside two ceilings
measured in the same run, with the same server (uvicorn, 2 workers) and the same load tool
(each figure the mean of two measurements taken in mirrored order):
a bare endpoint that only validates the body, and one that also does one INSERT per request.

Ours is the real service (QS_RUN_PROJECTORS=false: projectors run in their own process in
production) answering a published invitation-code survey: every request redeems a fresh
code and is acknowledged 202 only after its group-committed transaction has committed.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import asyncpg
import msgspec

from bench import load
from bench.harness import ROOT
from events.base import pending
from events.store import EventStore, Expect
from events.surveys import PrivacyManifest
from events.units import UnitCreated
from projections.survey_catalogue import SurveyCatalogue
from projections.unit_tree import UnitTree
from services.surveys import keys
from services.surveys.bodies import NewSurvey
from services.surveys.commands import CreateSurvey, IssueInvitations, PublishSurvey
from services.surveys.handle import handle

SECRET = "bench-secret-key"
SECONDS = float(os.environ.get("QS_BENCH_INTAKE_SECONDS", "4"))
CODES = int(os.environ.get("QS_BENCH_INTAKE_CODES", "120000"))  # two halves, each enough for 5 s at ~12,000/s
HOST = "127.0.0.1"
QUESTIONS = [
    {"id": "m", "kind": "likert", "text": {"zh": "成员"}, "dimension": "members", "required": True},
    {"id": "c", "kind": "rating5", "text": {"zh": "干部"}, "dimension": "cadres"},
    {"id": "r", "kind": "recommend10", "text": {"zh": "推荐"}, "dimension": "feedback"},
    {
        "id": "g",
        "kind": "single",
        "text": {"zh": "群体"},
        "options": [{"id": "youth", "text": {"zh": "青年"}}, {"id": "women", "text": {"zh": "妇女"}}],
    },
    {"id": "t", "kind": "text", "text": {"zh": "意见"}},
]


async def code_survey(dsn: str, codes: int) -> tuple[str, list[str]]:
    """A published code survey of a 2-unit tree, with `codes` invitation codes for the child."""
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    store = EventStore(pool)
    for unit, parent in (("bench-root", None), ("bench-dept", "bench-root")):
        e = UnitCreated(unit_id=unit, parent_id=parent, name=unit, kind="school", headcount=codes)
        await store.append(f"unit-{unit}", pending([e], command_id=uuid.uuid4()), Expect.ANY)
    await _project(store, UnitTree())
    body = msgspec.convert(
        {"owner_unit_id": "bench-root", "title": {"zh": "基准"}, "questions": QUESTIONS, "access": "code"},
        NewSurvey,
    )
    sid = "bench-survey"
    secret = SECRET.encode()
    now = datetime.now(UTC)
    for command in (
        CreateSurvey(survey_id=sid, owner_unit_id="bench-root", definition=body.to_definition()),
        PublishSurvey(survey_id=sid, manifest=PrivacyManifest(k=5), units=(), now=now),
    ):
        await handle(store, command, command_id=uuid.uuid4(), actor="bench", secret=secret)
    issues = []
    for _ in range(0, codes, 10_000):
        issue = str(uuid.uuid4())
        await handle(
            store,
            IssueInvitations(survey_id=sid, unit_id="bench-dept", issue_id=issue, count=10_000),
            command_id=uuid.uuid4(),
            actor="bench",
            secret=secret,
        )
        issues.append(issue)
    await _project(store, SurveyCatalogue())
    await store.close()
    await pool.close()
    plain = [keys.invitation_code(secret, sid, 1, "bench-dept", i, n) for i in issues for n in range(10_000)]
    return sid, plain


async def _project(store: EventStore, projector: object) -> None:
    async with store.pool.acquire() as conn, conn.transaction():
        await projector.create_tables(conn)  # type: ignore[attr-defined]
        wanted = projector.handled_types()  # type: ignore[attr-defined]
        await projector.apply_batch(
            conn, [r for r in await store.read_all(limit=1_000_000) if r.type in wanted]
        )  # type: ignore[attr-defined]


def bodies(codes: list[str]) -> Iterator[bytes]:
    for i, code in enumerate(codes):
        answer = {
            "m": "satisfied",
            "c": 1 + i % 5,
            "r": i % 11,
            "g": "youth" if i % 3 else "women",
            "t": "食堂不错",
        }
        yield msgspec.json.encode({"submission_id": uuid.uuid4().hex, "code": code, "answers": answer})


@contextlib.contextmanager
def server(factory: str, port: int, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    # services.ops.serving, not `uvicorn --workers 2`: uvicorn's shared socket leaves Nagle on
    # and caps every server at connections ÷ 44 ms (see that module).
    cmd = [
        sys.executable,
        "-m",
        "services.ops.serving",
        factory,
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env})
    try:
        _wait_ready(port)
        yield proc
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        if proc.poll() is None:
            proc.kill()


def _wait_ready(port: int, timeout: float = 60.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=1) as r,
        ):
            if r.status == 200:
                time.sleep(1.0)  # both workers up
                return
        time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start")


async def measure(port: int, path: str, raw: list[bytes]) -> tuple[float, dict[int, int]]:
    requests = [load.request(HOST, port, path, b) for b in raw]
    per_second, statuses = await load.run(HOST, port, requests, connections=64, seconds=SECONDS)
    return per_second, dict(statuses)


async def run(dsn: str, redis_url: str) -> dict[str, float]:
    survey, codes = await code_survey(dsn, CODES)
    conn = await asyncpg.connect(dsn)
    await conn.execute(
        "CREATE TABLE bench_bare_answers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body bytea)"
    )
    sync = await conn.fetchval("SHOW synchronous_commit")
    env = {"DATABASE_URL": dsn}
    ours_env = {**env, "REDIS_URL": redis_url, "QS_SECRET_KEY": SECRET, "QS_RUN_PROJECTORS": "false"}
    answers = f"/api/v1/public/surveys/{survey}/answers"
    halves = [codes[: len(codes) // 2], codes[len(codes) // 2 :]]  # a code answers once
    runs: dict[str, list[float]] = {"validate": [], "insert": [], "ours": []}
    statuses: dict[int, int] = {}
    # Both servers stay up and the figures are taken twice, in mirrored order (V I O O I V),
    # so a drift of this noisy machine during the run favours none of them.
    with server("bench.bare_app:create", 8702, env), server("services.app:app_from_env", 8701, ours_env):
        for name in ("validate", "insert", "ours", "ours", "insert", "validate"):
            if name == "ours":
                rate, seen = await measure(8701, answers, list(bodies(halves.pop())))
                for status, n in seen.items():
                    statuses[status] = statuses.get(status, 0) + n
            else:
                rate, _ = await measure(8702, f"/{name}", list(bodies(codes)))
            runs[name].append(rate)
            print(f"intake: {name} {rate:,.0f}/s", flush=True)
    out = {name: sum(rates) / len(rates) for name, rates in runs.items()}
    accepted = await conn.fetchval("SELECT count(*) FROM survey_submissions")
    redeemed = await conn.fetchval("SELECT count(*) FROM survey_codes WHERE redeemed")
    await conn.close()
    out["errors"] = float(sum(n for s, n in statuses.items() if s != 202))
    out["durable_check"] = float(accepted == redeemed and accepted >= statuses.get(202, 0))
    print(
        f"intake: synchronous_commit={sync}; statuses {statuses}; accepted {accepted}, redeemed {redeemed}",
        flush=True,
    )
    return out
