"""`qunsheng` — the operator's command line: serve, migrate, project, rebuild, status."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg

from events import catalogue
from events.base import Checkpoint
from events.store.migrate import migrate
from projections.catalogue import all_projectors
from projections.rebuild import rebuild
from projections.runner import Runner
from projections.status import lag
from services.resources import resolve_urls
from services.settings import Settings, from_env

log = logging.getLogger("qunsheng")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qunsheng", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web service (and, by default, the projectors)")
    serve.add_argument("--workers", type=int, default=1)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("project", help="run the projection runner until stopped")
    rb = sub.add_parser("rebuild", help="rebuild one projector from position 0 and swap it in")
    rb.add_argument("name")
    sub.add_parser("status", help="store head, projector checkpoints and lag")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = from_env()
    commands: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
        "serve": _serve, "migrate": _async(_migrate), "project": _async(_project),
        "rebuild": _async(_rebuild), "status": _async(_status),
    }
    return commands[args.command](settings, args)


Handler = Callable[[Settings, str, argparse.Namespace], Coroutine[Any, Any, int]]


def _async(fn: Handler) -> Callable[[Settings, argparse.Namespace], int]:
    def run(settings: Settings, args: argparse.Namespace) -> int:
        dsn, _ = resolve_urls(settings)
        catalogue.load_all()
        return asyncio.run(fn(settings, dsn, args))

    return run


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    # Embedded servers start once here, not in every worker; workers get the URLs.
    dsn, redis_url = resolve_urls(settings)
    os.environ["DATABASE_URL"], os.environ["REDIS_URL"] = dsn, redis_url
    print(f"Qunsheng 群声 on http://{settings.host}:{settings.port}", flush=True)
    # access_log=False: an access log would write every respondent's address to disk.
    uvicorn.run("services.app:app_from_env", factory=True, host=settings.host,
                port=settings.port, workers=args.workers, access_log=False, log_level="info")
    return 0


async def _migrate(settings: Settings, dsn: str, args: argparse.Namespace) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        done = await migrate(conn)
    finally:
        await conn.close()
    print("applied: " + (", ".join(done) if done else "nothing (up to date)"))
    return 0


async def _project(settings: Settings, dsn: str, args: argparse.Namespace) -> int:
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    runner = Runner(dsn, pool, all_projectors(), poll_seconds=settings.poll_seconds)
    task = asyncio.create_task(runner.run())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        pass
    finally:
        await pool.close()
    return 0


async def _rebuild(settings: Settings, dsn: str, args: argparse.Namespace) -> int:
    found = [p for p in all_projectors() if p.name == args.name]
    if not found:
        names = ", ".join(p.name for p in all_projectors()) or "none"
        print(f"no projector named {args.name!r} (known: {names})", file=sys.stderr)
        return 2

    def progress(n: int, at: Checkpoint) -> None:
        print(f"\r{args.name}: {n} events replayed (at {at})", end="", flush=True)

    n = await rebuild(dsn, found[0], progress=progress)
    print(f"\n{args.name}: rebuilt from {n} events and swapped in")
    return 0


async def _status(settings: Settings, dsn: str, args: argparse.Namespace) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        head = await conn.fetchrow("SELECT count(*) AS n, max(position) AS last FROM events")
        print(f"events: {head['n']} (last position {head['last'] or 0})")
        for row in await lag(conn, [p.name for p in all_projectors()]):
            print(f"{row.name:32} at {row.checkpoint:>24}  behind {row.events_behind} events,"
                  f" {row.seconds_behind:.1f} s")
    finally:
        await conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
