"""Processes and small look-ups of the end-to-end benchmark (bench/e2e.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import asyncpg
import httpx
import psutil

from bench.harness import ROOT
from bench.intake import SECRET
from projections.catalogue import all_projectors
from projections.status import lag


def env(dsn: str, redis: str) -> dict[str, str]:
    """The service's settings in the benchmark: projectors and scheduler apart, quiet logs."""
    return {
        "DATABASE_URL": dsn,
        "REDIS_URL": redis,
        "QS_SECRET_KEY": SECRET,
        "QS_RUN_PROJECTORS": "false",
        "QS_RUN_SCHEDULER": "false",
        "QS_LOG_LEVEL": "WARNING",
    }


def runner(variables: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli", "project"],
        cwd=ROOT,
        env={**os.environ, **variables},
        stderr=subprocess.DEVNULL,
    )


async def caught_up(dsn: str, timeout: float = 1800.0) -> None:
    """Until every projector has applied every event."""
    conn = await asyncpg.connect(dsn)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            rows = await lag(conn, [p.name for p in all_projectors()])
            if all(r.events_behind == 0 for r in rows):
                return
            await asyncio.sleep(0.5)
        raise RuntimeError("projectors did not catch up")
    finally:
        await conn.close()


def supervisor(port: int) -> int:
    """The uvicorn process serving `port` (its workers are its children)."""
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if "app_from_env" in cmd and f"--port {port}" in cmd:
            return int(proc.info["pid"])
    raise RuntimeError("API process not found")


async def count_events(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM events"))
    finally:
        await conn.close()


def cpu() -> str:
    from bench.__main__ import _cpu

    return _cpu()


def memory_gib() -> float:
    return psutil.virtual_memory().total / 2**30


@contextlib.contextmanager
def served(factory: str, variables: dict[str, str], workers: int = 2) -> Iterator[str]:
    """An app factory served by `python -m services.ops.serving` (uvicorn, `workers` processes,
    TCP_NODELAY kept: see services/ops/serving.py), until the block ends. Yields its URL.

    The service and the bare ceilings start the same way, so a comparison compares apps."""
    from bench.serve import free_port

    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "services.ops.serving",
        factory,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **variables}, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"{factory} did not start")
        time.sleep(1.0)  # every worker up
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


async def intake_beside_ceilings(dsn: str, redis: str) -> dict[str, float]:
    """bench/intake.py's comparison (same survey, bodies, load tool and seconds), with every
    server started by `served`."""
    from bench import intake

    survey, codes = await intake.code_survey(dsn, intake.CODES)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "CREATE TABLE bench_bare_answers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body bytea)"
        )
    finally:
        await conn.close()
    out: dict[str, float] = {}
    # The bare endpoints redeem nothing: the same bodies may be sent again (they outrun the codes).
    again = list(intake.bodies(codes)) * 4
    with served("bench.bare_app:create", {"DATABASE_URL": dsn}) as base:
        port = int(base.rsplit(":", 1)[1])
        out["validate"], _ = await intake.measure(port, "/validate", again)
        out["insert"], _ = await intake.measure(port, "/insert", again)
    with served("services.app:app_from_env", env(dsn, redis)) as base:
        port = int(base.rsplit(":", 1)[1])
        path = f"/api/v1/public/surveys/{survey}/answers"
        out["ours"], statuses = await intake.measure(port, path, list(intake.bodies(codes)))
    out["errors"] = float(sum(n for s, n in statuses.items() if s != 202))
    return out
