"""`python -m bench.e2e`: the whole service end to end, each figure beside its ceiling.

1. Intake through HTTP at 64 clients, beside a bare validate-only endpoint and a bare
   one-INSERT endpoint: bench/intake.py's survey, bodies and load tool, every server
   started by services/ops/serving.py (uvicorn, 2 workers, TCP_NODELAY kept), same run.
2. Projection lag p50/p99 with intake paced at half of that maximum: API (2 workers,
   projectors apart) + one `qunsheng project` runner; API worker memory at that load.
3. A large store: N events (QS_BENCH_E2E_EVENTS, default 10,000,000) and 1,011 units;
   dashboard (results, heatmap) and queue p95 through HTTP; projector memory across a full
   rebuild (`qunsheng rebuild satisfaction_by_unit` replays all N events).

Writes bench/RESULTS-e2e.md. Quick look: QS_BENCH_E2E_EVENTS=200000 QS_BENCH_INTAKE_SECONDS=3.
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

import asyncpg

from bench import e2e_world as world
from bench import intake, load
from bench.e2e_measure import LagProbe, RssSampler, http_p95, paced, tree_pids, workers_of
from bench.e2e_procs import (
    caught_up,
    count_events,
    cpu,
    env,
    intake_beside_ceilings,
    memory_gib,
    runner,
    served,
    supervisor,
)
from bench.harness import ROOT, bench_database
from bench.surveys import redis_url
from events import catalogue

SECRET = intake.SECRET
LAG_SECONDS = float(os.environ.get("QS_BENCH_E2E_LAG_SECONDS", "10"))
lines: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    lines.append(line)


async def section_lag(redis: str, ours: float) -> None:
    rate = ours / 2
    async with bench_database() as dsn:
        codes_needed = int(rate * (LAG_SECONDS + 2) * 1.2) + 10_000
        survey, codes = await intake.code_survey(dsn, -(-codes_needed // 10_000) * 10_000)
        variables = env(dsn, redis)
        proc = runner(variables)
        try:
            with served("services.app:app_from_env", variables) as base:
                port = int(base.rsplit(":", 1)[1])
                requests = [
                    load.request("127.0.0.1", port, f"/api/v1/public/surveys/{survey}/answers", b)
                    for b in intake.bodies(codes)
                ]
                probe = LagProbe(dsn, ["satisfaction_by_unit", "ballot_accounting", "survey_free_text"])
                await probe.start()
                api = supervisor(port)
                with RssSampler(workers_of(api)) as memory:
                    statuses = await paced("127.0.0.1", port, requests, rate, LAG_SECONDS)
                lagged = await probe.stop(["AnswerRecorded"])
        finally:
            proc.terminate()
            proc.wait(10)
    m = memory.summary()
    say(
        f"| projection lag at {rate:,.0f} answers/s (half of the maximum): answer released → all survey "
        f"projections | p50 {lagged['p50_ms']:.0f} ms, p99 {lagged['p99_ms']:.0f} ms "
        f"({lagged['events']:,.0f} answers; statuses {dict(statuses)}) | — | — | p99 ≤ 250 ms |"
    )
    say(
        f"| API memory (2 workers, summed RSS) over {LAG_SECONDS:.0f} s of steady load | "
        f"{m['first']:.0f} → {m['last']:.0f} MiB (max {m['max']:.0f}) | — | — | flat |"
    )


async def section_large(redis: str) -> None:
    events = world.events_target()
    async with bench_database() as dsn:
        fill_s = await world.fill(dsn, events)
        say(f"| setup: {events:,} filler events written by SQL | {fill_s:.0f} s | — | — | — |")
        account, root, units = await world.admin_and_tree(dsn)
        leaves = [u for u in units if u.count(".") == 2]
        variables = env(dsn, redis)
        proc = runner(variables)
        try:
            with served("services.app:app_from_env", variables) as base:
                await caught_up(dsn)
                headers = await world.signed_in(base, account, root)
                await caught_up(dsn)
                survey = await world.open_survey(base, headers, root)
                await world.pooled_answers(dsn, SECRET, survey, leaves, 100)
                released = await world.release(base, headers, dsn, survey)
                submitted = await world.cases(base, units, int(os.environ.get("QS_BENCH_E2E_CASES", "3000")))
                await caught_up(dsn)
                total = await count_events(dsn)
                rng = random.Random(7)
                sample = [root, *rng.sample(units, 199)]
                results = [f"/api/v1/surveys/{survey}/results?unit={u}" for u in sample]
                heatmaps = [f"/api/v1/surveys/{survey}/heatmap?unit={u}" for u in sample if u.count(".") < 2]
                timed = {
                    "dashboard: survey results": await http_p95(base, headers, results),
                    "dashboard: heatmap": await http_p95(base, headers, heatmaps[:100]),
                    "open-issue queue": await http_p95(
                        base, headers, [f"/api/v1/queue?unit={u}" for u in sample]
                    ),
                }
                floor = (await http_p95(base, {}, ["/health"] * 200))[1]
        finally:
            proc.terminate()
            proc.wait(10)
        where = f"{total:,} events, {len(units) + 1:,} units, {released:,} answers, {submitted:,} cases"
        for name, (first, repeat, statuses) in timed.items():
            say(
                f"| {name} p95 through HTTP, {where} | first view {first:.1f} ms, repeat {repeat:.1f} ms"
                f" (statuses {dict(statuses)}) | GET /health p95 {floor:.1f} ms | {repeat / floor:.1f}× |"
                " ≤ 100 ms |"
            )
        started = time.perf_counter()
        rebuild = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "rebuild", "satisfaction_by_unit"],
            cwd=ROOT,
            env={**os.environ, **variables},
            stdout=subprocess.DEVNULL,
        )
        with RssSampler(tree_pids(rebuild.pid), every=0.5) as memory:
            rebuild.wait()
        seconds = time.perf_counter() - started
        m = memory.summary()
        say(
            f"| projector memory across a full rebuild of satisfaction_by_unit ({total:,} events, "
            f"{total / seconds:,.0f} events/s) | {m['after_10pct']:.0f} MiB at 10 %, max {m['max']:.0f},"
            f" end {m['last']:.0f} MiB | — | — | flat |"
        )


async def main() -> None:
    catalogue.load_all()
    import bench.events_for_bench  # noqa: F401  (the filler's type)

    redis = redis_url()
    load_start = os.getloadavg()[0]
    conn = await asyncpg.connect(
        os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    )
    pg = await conn.fetchval("SHOW server_version")
    await conn.close()
    say(f"# Qunsheng end-to-end benchmark — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    say()
    say(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {cpu()}, "
        f"{memory_gib():.0f} GiB; Python {platform.python_version()}; PostgreSQL {pg}; load generator, "
        "servers and database share the same cores. Every ratio compares figures of this same run."
    )
    say()
    say("| figure | ours | ceiling (same run) | ratio | target |")
    say("|---|---|---|---|---|")
    async with bench_database() as dsn:
        i = await intake_beside_ceilings(dsn, redis)
    for key, label in (
        ("validate", "bare endpoint, validation only"),
        ("insert", "bare endpoint, one INSERT"),
    ):
        say(
            f"| intake through HTTP, 64 clients, 202 after commit | {i['ours']:,.0f} answers/s"
            f" ({i['errors']:.0f} non-202) |"
            f" {label}: {i[key]:,.0f} req/s | {i['ours'] / i[key]:.2f} | — |"
        )
    await section_lag(redis, i["ours"])
    await section_large(redis)
    load_end = os.getloadavg()[0]
    say()
    say(
        f"Load average (1 min) {load_start:.1f} at the start and {load_end:.1f} at the end of the run:"
        " other work shared these two cores, which inflates every latency here (compare ratios)."
    )
    Path(__file__).with_name("RESULTS-e2e.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main())
