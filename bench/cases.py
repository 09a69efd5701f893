"""`python -m bench.cases`: the cases slice's figures, each beside a ceiling from the same run.

1. Queue, rates and ranking query p95 with 100,000 cases across 1,000 units. The read-model
   rows are generated straight into the projection tables (what is measured is the queries;
   building 100,000 cases through the projectors is the replay benchmark's business), beside
   a primary-key lookup on the same table as the floor.
2. Case transitions through HTTP at 16 concurrent clients (each an internal note on one of
   the client's own cases: check the caller and the case, decide, append, answer the case),
   the API server running no projectors as deployed (the projection of what the steps
   appended is measured after it, one runner), beside a bare Litestar endpoint doing one
   INSERT per request, same server kind and the same raw-socket load tool. A step checks
   the caller and the case by reading them first, or — when the process holds them from the
   caller's previous step — in its append's condition (services/cases/held.py); how many
   steps went each way is reported from the server's own counter.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import asyncpg
import httpx
import msgspec

from bench import load as bench_load
from bench.harness import bench_database, percentile
from bench.serve import server
from events import catalogue
from events.store import EventStore
from projections import rates_summary as summary
from projections.open_issue_queue import OpenIssueQueue
from projections.resolution_rates import ResolutionRates
from projections.unit_tree import UnitTree
from services.cases.queries import open_issue_queue
from services.cases.rates import resolution_rates, unit_ranking

CASES, UNITS, RUNS, CLIENTS, SECONDS = 100_000, 1_000, 200, 16, 8.0
# Steps spread over this many cases per client and run (480 in all); each case then takes
# ~15 steps in a run: a case has a handful in life, and a step reads
# its whole stream, so steps on a case grown to hundreds of events measure something else.
CASES_PER_CLIENT = int(os.environ.get("QS_BENCH_CASES_PER_CLIENT", "30"))
NOW = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)


FILL = [
    """INSERT INTO unit_tree VALUES ('root', NULL, '农业局', 'bureau', 0, false, ARRAY['root'], 0, 1)""",
    """INSERT INTO unit_tree SELECT 's' || s, 'root', '学校' || s, 'school', 0, false, ARRAY['root', 's' || s], 1, 1
            FROM generate_series(1, 10) s""",
    """INSERT INTO unit_tree SELECT 'd' || d, 's' || (d % 10 + 1), '部门' || d, 'department', 50, false,
                 ARRAY['root', 's' || (d % 10 + 1), 'd' || d], 2, 1 FROM generate_series(1, $1::int - 11) d""",
    """INSERT INTO resolution_rates SELECT 'c' || c, 'd' || (c % ($1::int - 11) + 1), 'rights_request',
                 '2026-0' || (c % 3 + 1), $3::timestamptz - (c % 90) * interval '1 day',
                 (ARRAY['rated','closed','in_progress','submitted','resolved'])[c % 5 + 1], c % 7 <> 0, c % 7 <> 0,
                 c % 4 <> 0, (c % 30)::float8, c % 5 IN (0, 1, 4), c % 3 <> 0, (c % 90)::float8, c % 5 = 0,
                 CASE WHEN c % 5 = 0 THEN c % 2 = 0 END,
                 CASE WHEN c % 5 = 0 THEN (ARRAY['satisfied','basically_satisfied','dissatisfied'])[c % 3 + 1] END,
                 true, c % 11 = 0, c % 13 = 0, (c % 17 = 0)::int
            FROM generate_series(1, $2::int) c""",
    """INSERT INTO open_issue_queue SELECT case_id, kind, 'normal', 1, status, unit_id, submitted_at,
                 submitted_at + interval '7 days', 'resolve', (hashtext(case_id) % 50 = 0), false, false, 'none'
            FROM resolution_rates WHERE status IN ('in_progress', 'submitted')""",
    """INSERT INTO open_issue_queue_by_unit SELECT unit_id, count(*) FROM open_issue_queue GROUP BY 1""",
]


async def fill(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        for p in (UnitTree(), OpenIssueQueue(), ResolutionRates()):
            await p.create_tables(conn)
        for sql in FILL:  # each statement takes the leading arguments it numbers
            used = max((n for n in (1, 2, 3) if f"${n}" in sql), default=0)
            await conn.execute(sql, *(UNITS, CASES, NOW)[:used])
        await _summarise(conn)
        await conn.execute("ANALYZE")


async def _summarise(conn: asyncpg.Connection) -> None:
    """The per-(unit, month) totals the projector keeps, built here from the generated rows."""
    totals: dict[tuple[str, str], list[int]] = {}
    for row in await conn.fetch("SELECT * FROM resolution_rates"):
        key, c = (row["unit_id"], row["period"]), summary.contribution(row)
        totals[key] = [a + b for a, b in zip(totals.get(key, [0] * len(c)), c, strict=True)]
    n, e = len(summary.COUNTS), len(summary.EDGES)
    for (unit, period), d in totals.items():
        await conn.execute(summary.ADD, unit, period, *d[:n], d[n : n + e], d[n + e :])


async def p95(fn: object) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        await fn()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 95)


async def queries(dsn: str) -> list[tuple[str, float]]:
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=4)
    await fill(pool)
    school = ["s3"]
    figures = [
        (
            "primary-key lookup (floor)",
            await p95(lambda: pool.fetchrow("SELECT * FROM resolution_rates WHERE case_id = 'c4242'")),
        ),
        (
            "queue, leader of all 1,000 units, first 100",
            await p95(lambda: open_issue_queue(pool, ["root"], NOW)),
        ),
        ("queue, handler of one school (100 units)", await p95(lambda: open_issue_queue(pool, school, NOW))),
        (
            "rates, whole tree, one month",
            await p95(lambda: resolution_rates(pool, "root", "农业局", "2026-03", "2026-03", NOW)),
        ),
        (
            "rates, one school, three months",
            await p95(lambda: resolution_rates(pool, "s3", "学校3", "2026-01", "2026-03", NOW)),
        ),
        ("ranking of 10 schools, one month", await p95(lambda: unit_ranking(pool, "root", "2026-03", NOW))),
    ]
    await pool.close()
    return figures


async def load(
    base: str, path_of: Callable[[int, int], str], body: dict[str, str], headers: dict[str, str]
) -> float:
    """Steps per second from CLIENTS keep-alive connections of the raw-socket load tool
    (bench/load.py: an HTTP client library is itself the limit here, measured: httpx capped
    the bare endpoint at ~770/s where raw sockets reach ~3,200/s). Connection w works on its
    own cases: path_of(w, i). Every answer must be 200."""
    host, port = base.removeprefix("http://").rsplit(":", 1)
    raw = msgspec.json.encode(body)
    per_second, statuses = await bench_load.run_per_connection(
        host,
        int(port),
        lambda w, i: bench_load.request(host, int(port), path_of(w, i), raw, headers),
        connections=CLIENTS,
        seconds=SECONDS,
    )
    assert set(statuses) == {200}, statuses
    return per_second


async def transitions(dsn: str, redis_url: str) -> dict[str, float]:
    """Steps through HTTP with the projectors in their own process, as deployed (compose and
    k8s run API replicas and projection runners apart): the API server here runs none, like
    the intake benchmark's. What the steps leave to project is then projected by a runner
    alone, and that rate is reported too, so no work is hidden.

    Both servers stay up and each figure is taken twice in mirrored order (ceiling, ours,
    ours, ceiling), the means reported: this machine drifts by a fifth between runs. Each
    of our two runs works its own half of the cases, so both see streams of the same length."""
    env = {"DATABASE_URL": dsn, "REDIS_URL": redis_url, "QS_SECRET_KEY": "bench", "QS_RUN_SCHEDULER": "false"}
    body = {"visibility": "internal", "text": "已转教务处核实"}
    with server("services.app:app_from_env", env, "/health") as app:  # projectors on: set-up reads the queue
        headers, cases = await _cases_in_progress(dsn, app)
    per = len(cases) // (2 * CLIENTS)
    async with _store(dsn) as store:
        head = await store.pool.fetchval("SELECT count(*) FROM events")
    figures: dict[str, list[float]] = {"ceiling": [], "ours": []}
    with (
        server("bench.bare:app_from_env", env, "/validate") as bare,
        server("services.app:app_from_env", {**env, "QS_RUN_PROJECTORS": "false"}, "/health") as app,
    ):
        for run, half in (("ceiling", 0), ("ours", 0), ("ours", 1), ("ceiling", 0)):
            if run == "ceiling":
                figures[run].append(await load(bare, lambda w, i: "/insert", body, {}))
                continue
            first = half * CLIENTS * per
            figures[run].append(
                await load(
                    app,
                    lambda w, i, first=first: f"/api/v1/cases/{cases[first + w * per + i % per]}/messages",
                    body,
                    headers,
                )
            )
        async with httpx.AsyncClient(base_url=app, timeout=30) as c:
            taken = _steps_taken((await c.get("/metrics")).text)
    out = {name: sum(runs) / len(runs) for name, runs in figures.items()}
    out.update(taken)
    out["events"], out["catch_up"] = await _catch_up(dsn, head)
    return out


def _steps_taken(metrics: str) -> dict[str, float]:
    """qs_case_steps_total by state (held, read, missed) from the server's /metrics."""
    taken = {"held": 0.0, "read": 0.0, "missed": 0.0}
    for line in metrics.splitlines():
        for state in taken:
            if line.startswith(f'qs_case_steps_total{{state="{state}"}}'):
                taken[state] = float(line.rsplit(" ", 1)[1])
    return taken


@contextlib.asynccontextmanager
async def _store(dsn: str) -> AsyncIterator[EventStore]:
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    try:
        yield EventStore(pool)
    finally:
        await pool.close()


async def _catch_up(dsn: str, head: int) -> tuple[float, float]:
    """Events the steps appended, and the rate at which one runner projects them into every
    projector the service runs."""
    from projections.catalogue import all_projectors
    from projections.runner import Runner
    from projections.status import lag

    async with _store(dsn) as store:
        added = await store.pool.fetchval("SELECT count(*) FROM events") - head
        projectors = all_projectors()
        runner = Runner(dsn, store.pool, projectors, poll_seconds=0.05)
        started = time.perf_counter()
        task = asyncio.create_task(runner.run())
        try:
            while any(p.events_behind for p in await lag(store.pool, [p.name for p in projectors])):
                await asyncio.sleep(0.02)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        return float(added), added / (time.perf_counter() - started)


async def _cases_in_progress(dsn: str, base: str) -> tuple[dict[str, str], list[str]]:
    from services.access.bootstrap import create_admin

    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    store = EventStore(pool)
    _, root = await create_admin(
        store,
        login="bench",
        display_name="Bench",
        password="bench-password-1",
        now=datetime.now(UTC),
        unit_name="农业局",
    )
    await store.close()
    await pool.close()
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        r = await c.post("/api/v1/auth/sign-in", json={"login": "bench", "password": "bench-password-1"})
        admin = {"Cookie": f"qs_session={r.cookies['qs_session']}", "X-CSRF-Token": r.json()["csrf_token"]}
        me = (await c.get("/api/v1/auth/me", headers=admin)).json()
        await c.post(
            f"/api/v1/accounts/{me['account_id']}/roles",
            headers=admin,
            json={"unit_id": root, "role": "handler"},
        )
        for _ in range(2 * CLIENTS * CASES_PER_CLIENT):  # a half for each of our two runs
            await c.post("/api/v1/cases", json={"kind": "suggestion", "unit_id": root, "text": "压测"})
        ids: list[str] = []
        while page := (await c.get(f"/api/v1/queue?limit=500&offset={len(ids)}", headers=admin)).json():
            ids += [q["case_id"] for q in page]
        for case_id in ids:
            for op, b in (("accept", {}), ("assign", {"unit_id": root}), ("sign", {})):
                r = await c.post(f"/api/v1/cases/{case_id}/{op}", json=b, headers=admin)
                assert r.status_code == 200, r.text
    return admin, ids


async def main() -> None:
    import os
    import platform
    from pathlib import Path

    catalogue.load_all()
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    lines = [
        f"# Cases benchmarks — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}.",
        "Each figure beside a ceiling or floor measured in the same run.",
        "",
        "| query (100,000 cases, 1,000 units) | p95 | target |",
        "|---|---|---|",
    ]
    async with bench_database() as dsn:
        rows = await queries(dsn)
    lines += [f"| {name} | {ms:.1f} ms | {'—' if 'floor' in name else '≤ 20 ms'} |" for name, ms in rows]
    async with bench_database() as dsn:
        t = await transitions(dsn, redis_url)
    lines += [
        "",
        "| HTTP (raw-socket load tool, one server worker each) | ours | ceiling (same run) | ratio | target |",
        "|---|---|---|---|---|",
        f"| case steps, {CLIENTS} clients, projectors in their own process | {t['ours']:,.0f}/s |"
        f" bare one-INSERT endpoint {t['ceiling']:,.0f}/s | {t['ours'] / t['ceiling']:.2f} | ≥ 0.5 |",
        f"| projecting what the steps appended ({t['events']:,.0f} events) into every projector,"
        f" one runner | {t['catch_up']:,.0f} events/s | — | — | — |",
        "",
        f"Steps by how the server had the caller and the case: {t['held']:,.0f} held (checked in the"
        f" append's condition, one round trip), {t['read']:,.0f} read first; {t['missed']:,.0f} held"
        " attempts found something changed (services/cases/held.py).",
    ]
    print("\n".join(lines))
    Path(__file__).with_name("RESULTS-cases.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main())
