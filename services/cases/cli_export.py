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
from services.cases.http_leader import queue_table, rates_table
from services.cases.queries import open_issue_queue
from services.cases.rates import resolution_rates


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
            body = queue_table(args.format, rows).content
        else:
            start = args.start or now.astimezone(TZ).strftime("%Y-%m")
            r = await resolution_rates(pool, args.unit, name, start, args.end or start, now)
            body = rates_table(args.format, r).content
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
