"""`python -m bench.surveys`: the surveys slice's benchmarks, each figure beside its ceiling
measured in the same run. Writes bench/RESULTS_SURVEYS.md. Quick look:
QS_BENCH_INTAKE_SECONDS=3 python -m bench.surveys
"""

from __future__ import annotations

import asyncio
import os
import platform
import time
from pathlib import Path

from bench import intake, survey_queries, survey_release
from bench.harness import ROOT, bench_database
from events import catalogue

lines: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    lines.append(line)


def redis_url() -> str:
    from services import embedded

    return os.environ.get("REDIS_URL") or embedded.redis(ROOT / ".qunsheng" / "bench")


async def main() -> None:
    catalogue.load_all()
    say(f"# Qunsheng survey benchmarks — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    say()
    say(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}."
        " Every ratio compares figures measured in this same run."
    )
    say()
    say("| figure | ours | ceiling (same run) | ratio | target |")
    say("|---|---|---|---|---|")
    async with bench_database() as dsn:
        i = await intake.run(dsn, redis_url())
        for key, label, target in (
            ("insert", "bare endpoint, one INSERT per request", "≥ 1.5"),
            ("validate", "bare endpoint, validation only", "≥ 0.6"),
        ):
            say(
                f"| intake through HTTP, 64 clients, 202 after commit | {i['ours']:,.0f} answers/s |"
                f" {label}: {i[key]:,.0f} req/s | {i['ours'] / i[key]:.2f} | {target} |"
            )
        say(
            f"| intake errors (non-202) during the run / 202 ⇒ committed check | {i['errors']:.0f} |"
            f" — | — | 0 / {'passed' if i['durable_check'] else 'FAILED'} |"
        )
    async with bench_database() as dsn:
        n_units = await survey_queries.fill(dsn)
        q = await survey_queries.measure(dsn)
        for name in ("results", "heatmap"):
            say(
                f"| {name} query p95, {n_units:,} units, {q['answers']:,.0f} answers |"
                f" {q[name + '_p95_ms']:.1f} ms |"
                f" SELECT 1 round trip p95: {q['select1_p95_ms']:.1f} ms | — | ≤ 20 ms |"
            )
        r = await survey_release.run(dsn)
        say(
            f"| release of 10,000 answers: transaction committed | {r['release_s']:.2f} s |"
            f" one INSERT of the same 10,000 bodies: {r['raw_insert_s']:.2f} s |"
            f" {r['release_s'] / r['raw_insert_s']:.1f}× | — |"
        )
        say(
            "| release of 10,000 answers: in store and all 4 survey projections |"
            f" {r['projected_s']:.2f} s | — | — | ≤ 2 s |"
        )
    Path(__file__).with_name("RESULTS_SURVEYS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    asyncio.run(main())
