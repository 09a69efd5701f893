"""`make bench`: every figure printed beside its ceiling measured in the same run.

Also writes bench/RESULTS.md. Sizes can be lowered for a quick look:
QS_BENCH_REPLAY_EVENTS=100000 make bench
"""

from __future__ import annotations

import asyncio
import os
import platform
import time
from pathlib import Path

import asyncpg

from bench import append, lag, replay
from bench.harness import bench_database
from events import catalogue

REPLAY_EVENTS = int(os.environ.get("QS_BENCH_REPLAY_EVENTS", "1000000"))
lines: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    lines.append(line)


def ratio_line(label: str, ours: float, ceiling: float, ceiling_label: str, target: str, unit: str) -> None:
    ceiling_text = f"{ceiling_label} {ceiling:,.0f} {unit}"
    say(f"| {label} | {ours:,.0f} {unit} | {ceiling_text} | {ours / ceiling:.2f} | {target} |")


async def main() -> None:
    catalogue.load_all()
    import bench.events_for_bench  # noqa: F401  (registers BenchHappened)

    async with bench_database() as dsn:
        conn = await asyncpg.connect(dsn)
        pg_version = await conn.fetchval("SHOW server_version")
        await conn.close()
        say(f"# Qunsheng benchmarks — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
        say()
        say(
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, {_cpu()};"
            f" Python {platform.python_version()}; PostgreSQL {pg_version}."
            " Every ratio compares figures measured in this same run."
        )
        say()
        say("| figure | ours | ceiling (same run) | ratio | target |")
        say("|---|---|---|---|---|")
        a = await append.run(dsn)
        for n in (1, 16, 64):
            ratio_line(
                f"append, {n} writer(s), one event to a new stream",
                a[f"ours_{n}"],
                a[f"raw_{n}"],
                "raw asyncpg INSERT",
                "≥ 0.70 at 16" if n == 16 else "—",
                "/s",
            )
        es = await append.run_eventsourcing(dsn)
        for n in (1, 16):
            if f"es_{n}" in es:
                ratio_line(
                    f"append vs eventsourcing, {n} writer(s)",
                    a[f"ours_{n}"],
                    es[f"es_{n}"],
                    "eventsourcing recorder",
                    "≥ 3 at 16" if n == 16 else "—",
                    "/s",
                )
        half = a["ours_16"] / 2
        lg = await lag.run(dsn, half)
        say(
            f"| projection lag at {lg['rate']:,.0f} appends/s (half of the 16-writer maximum) |"
            f" p50 {lg['p50_ms']:.0f} ms, p99 {lg['p99_ms']:.0f} ms | — | — | p99 ≤ 250 ms |"
        )
        await replay.fill(dsn, REPLAY_EVENTS)
        raw1 = await replay.raw_scan(dsn)
        ours = await replay.replay(dsn)
        raw2 = await replay.raw_scan(dsn)
        ratio_line(
            f"replay of {REPLAY_EVENTS:,}+ events into a counting projector",
            ours,
            max(raw1, raw2),
            "raw asyncpg scan",
            "≥ 0.50 and ≥ 100,000/s",
            "events/s",
        )
    Path(__file__).with_name("RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    asyncio.run(main())
