"""`qunsheng export queue|rates --unit U`: the leader's tables as CSV or XLSX files, for an
operator; the same queries (and so the same numbers) as the HTTP exports."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from services.cases.calendar import TZ
from services.cases.http_leader import QUEUE_HEADER, RATES_HEADER
from services.cases.queries import open_issue_queue
from services.cases.rates import resolution_rates
from services.exports import table


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("export", help="export the open-issue queue or the rates of a unit's subtree")
    p.add_argument("table", choices=("queue", "rates"))
    p.add_argument("--unit", required=True, help="unit id: the subtree to export")
    p.add_argument("--start", help="first month, YYYY-MM (rates; default this month)")
    p.add_argument("--end", help="last month, YYYY-MM (rates; default = start)")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("--out", help="file to write (default: standard output for csv)")


async def run(dsn: str, args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    try:
        name = await pool.fetchval("SELECT name FROM unit_tree WHERE unit_id = $1", args.unit)
        if name is None:
            print(f"no unit {args.unit!r}", file=sys.stderr)
            return 2
        if args.table == "queue":
            rows = await open_issue_queue(pool, [args.unit], now, limit=100_000)
            body = table(
                args.format,
                "queue",
                QUEUE_HEADER,
                (
                    (
                        r.case_id,
                        r.kind,
                        r.urgency,
                        r.status,
                        r.unit_name,
                        r.submitted_at,
                        r.next_due,
                        r.badges,
                        r.age_days,
                    )
                    for r in rows
                ),
            ).content
        else:
            start = args.start or now.astimezone(TZ).strftime("%Y-%m")
            r = await resolution_rates(pool, args.unit, name, start, args.end or start, now)
            measures = [
                ("response_rate", r.response_rate),
                ("resolution_rate", r.resolution_rate),
                ("satisfaction_rate", r.satisfaction_rate),
                ("on_time_resolution", r.on_time_resolution),
                ("return_rate", r.return_rate),
                ("redo_rate", r.redo_rate),
            ]
            body = table(
                args.format,
                "rates",
                RATES_HEADER,
                ((n, m.value, m.numerator, m.denominator, m.formula) for n, m in measures),
            ).content
    finally:
        await pool.close()
    if args.out:
        await asyncio.to_thread(Path(args.out).write_bytes, body)
    elif args.format == "csv":
        sys.stdout.write(body.decode())
    else:
        print("an XLSX file needs --out FILE", file=sys.stderr)
        return 2
    return 0
