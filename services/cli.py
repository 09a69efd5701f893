"""`qunsheng` — the operator's command line: serve, migrate, project, rebuild, status,
create-admin, demo, survey create."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import asyncpg

from events import catalogue
from events.base import Checkpoint
from events.store import EventStore
from events.store.migrate import migrate
from projections.catalogue import all_projectors
from projections.rebuild import rebuild
from projections.runner import Runner
from projections.status import lag
from services.cases import cli_export
from services.ops.logs import UVICORN_LOG_CONFIG
from services.ops.logs import configure as configure_logging
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
    ca = sub.add_parser("create-admin", help="create an admin account (and a root unit if none)")
    ca.add_argument("--login", required=True)
    ca.add_argument("--name", required=True, help="display name")
    ca.add_argument("--unit", help="unit id to administer (default: the first root unit)")
    ca.add_argument("--unit-name", default="单位", help="name of the root unit if none exists")
    ca.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    sub.add_parser("demo", help="load the demo county agricultural bureau (idempotent)")
    survey = sub.add_parser("survey", help="surveys: create one from a YAML file")
    survey_sub = survey.add_subparsers(dest="survey_command", required=True)
    create = survey_sub.add_parser("create", help="create (and with `publish:`, publish) a survey")
    create.add_argument("file")
    cli_export.add_parser(sub)
    args = parser.parse_args(argv)
    settings = from_env()
    # JSON lines (or text), redacted of addresses, codes and contacts: services/ops/logs.py.
    configure_logging(settings.log_level, settings.log_format)
    commands: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
        "serve": _serve,
        "migrate": _async(_migrate),
        "project": _async(_project),
        "rebuild": _async(_rebuild),
        "status": _async(_status),
        "create-admin": _async(_create_admin),
        "demo": _async(_demo),
        "survey": _async(_survey),
        "export": _async(lambda settings, dsn, args: cli_export.run(dsn, args)),
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
    from services.ops.serving import serve

    # Embedded servers start once here, not in every worker; workers get the URLs.
    dsn, redis_url = resolve_urls(settings)
    os.environ["DATABASE_URL"], os.environ["REDIS_URL"] = dsn, redis_url
    print(f"Qunsheng 群声 on http://{settings.host}:{settings.port}", flush=True)
    # access_log=False: an access log would write every respondent's address to disk.
    # serve, not uvicorn.run: several workers would otherwise lose TCP_NODELAY (serving.py).
    serve(
        "services.app:app_from_env",
        host=settings.host,
        port=settings.port,
        workers=args.workers,
        access_log=False,
        log_level=settings.log_level.lower(),
        log_config=UVICORN_LOG_CONFIG,  # keep the redacting handler configured above
        forwarded_allow_ips=settings.trusted_proxies,  # whose X-Forwarded-For is believed
    )
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
    store = EventStore(pool)
    task = asyncio.create_task(_project_and_release(runner, settings, pool, store))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        pass
    finally:
        await store.close()
        await pool.close()
    return 0


async def _project_and_release(
    runner: Runner, settings: Settings, pool: asyncpg.Pool, store: EventStore
) -> None:
    """The projectors, and beside them the release of the surveys' mixing pools."""
    from services.surveys.intake.releaser import release_forever, standalone_state

    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(runner.run())
        tasks.create_task(release_forever(standalone_state(settings, pool, store)))


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
        assert head is not None
        print(f"events: {head['n']} (last position {head['last'] or 0})")
        for row in await lag(conn, [p.name for p in all_projectors()]):
            print(
                f"{row.name:32} at {row.checkpoint:>24}  behind {row.events_behind} events,"
                f" {row.seconds_behind:.1f} s"
            )
    finally:
        await conn.close()
    return 0


def _read_password(args: argparse.Namespace) -> str | None:
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass("password: ")
    return first if getpass.getpass("again: ") == first else None


async def _with_store(dsn: str, work: Callable[[EventStore], Coroutine[Any, Any, int]]) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=8)
    store = EventStore(pool)
    try:
        return await work(store)
    finally:
        await store.close()
        await pool.close()


async def _create_admin(settings: Settings, dsn: str, args: argparse.Namespace) -> int:
    from services.access.bootstrap import create_admin
    from services.problems import Problem

    password = _read_password(args)
    if password is None or len(password) < 10:
        print(
            "a password of at least 10 characters is needed (use --password-stdin when not at a terminal)",
            file=sys.stderr,
        )
        return 2

    async def work(store: EventStore) -> int:
        try:
            account_id, unit_id = await create_admin(
                store,
                login=args.login,
                display_name=args.name,
                password=password,
                now=datetime.now(UTC),
                unit_id=args.unit,
                unit_name=args.unit_name,
            )
        except Problem as exc:
            print(f"refused: {exc.detail}", file=sys.stderr)
            return 1
        print(f"admin {args.login} ({account_id}) administers unit {unit_id}")
        return 0

    return await _with_store(dsn, work)


async def _demo(settings: Settings, dsn: str, args: argparse.Namespace) -> int:
    from services.demo.load import describe, load_demo

    async def work(store: EventStore) -> int:
        # A runner for the demo's time: publishing a survey reads the unit tree's projection.
        # If a server is running, its runner owns the projectors and this one stands by.
        runner = Runner(dsn, store.pool, all_projectors(), poll_seconds=0.05)
        task = asyncio.create_task(runner.run())
        try:
            print(describe(await load_demo(store, datetime.now(UTC), settings)))
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        return 0

    return await _with_store(dsn, work)


async def _survey(settings: Settings, dsn: str, args: argparse.Namespace) -> int:
    from pathlib import Path

    from services.problems import Problem
    from services.surveys.cli import create_from_file

    async def work(store: EventStore) -> int:
        try:
            survey_id, cycle = await create_from_file(store, settings, Path(args.file), datetime.now(UTC))
        except (Problem, ValueError, OSError) as exc:
            print(f"refused: {getattr(exc, 'detail', exc)}", file=sys.stderr)
            return 1
        print(f"survey {survey_id} created" + (f", cycle {cycle} published" if cycle else " as a draft"))
        return 0

    return await _with_store(dsn, work)


if __name__ == "__main__":
    raise SystemExit(main())
