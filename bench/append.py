"""Append throughput: one-event appends to new streams, beside a raw asyncpg INSERT and eventsourcing."""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import asyncpg

from bench.events_for_bench import BenchHappened
from bench.harness import rate
from events import catalogue
from events.base import Metadata, PendingEvent
from events.store import EventStore, Expect

SECONDS = 4.0
META = Metadata(correlation_id=uuid.UUID(int=1))


def one() -> list[PendingEvent]:
    return [PendingEvent(event=BenchHappened(n=1), event_id=uuid.uuid4(), metadata=META)]


async def run(dsn: str, writers: tuple[int, ...] = (1, 16, 64)) -> dict[str, float]:
    pool = await asyncpg.create_pool(dsn, min_size=max(writers), max_size=max(writers))
    store = EventStore(pool)
    await pool.execute(
        "CREATE TABLE raw_insert (id bigserial PRIMARY KEY, stream_id text, data jsonb, metadata jsonb)"
    )
    body = catalogue.encode(BenchHappened(n=1)).decode()
    meta = '{"correlation_id": "00000000-0000-0000-0000-000000000001"}'
    results: dict[str, float] = {}
    for n in writers:

        async def raw(w: int, i: int, n: int = n) -> None:
            await pool.execute(
                "INSERT INTO raw_insert (stream_id, data, metadata) VALUES ($1, $2::jsonb, $3::jsonb)",
                f"r-{n}-{w}-{i}",
                body,
                meta,
            )

        async def ours(w: int, i: int, n: int = n) -> None:
            await store.append(f"b-{n}-{w}-{i}", one(), Expect.NO_STREAM)

        results[f"raw_{n}"] = await rate(n, SECONDS, raw)
        results[f"ours_{n}"] = await rate(n, SECONDS, ours)
    await store.close()
    await pool.close()
    return results


def eventsourcing_rate(dsn: str, writers: int) -> float:
    """The same one-event appends through eventsourcing's PostgreSQL application recorder."""
    from eventsourcing.persistence import StoredEvent
    from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

    parts = urlsplit(dsn)
    host = parts.hostname or parse_qs(parts.query).get("host", ["127.0.0.1"])[0]
    datastore = PostgresDatastore(
        dbname=parts.path.lstrip("/"),
        host=host,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or "",
        pool_size=writers,
    )
    recorder = PostgresApplicationRecorder(datastore, events_table_name=f"es_events_{writers}")
    recorder.create_table()
    state = catalogue.encode(BenchHappened(n=1))
    stop = time.perf_counter() + SECONDS

    def loop(_: int) -> int:
        done = 0
        while time.perf_counter() < stop:
            recorder.insert_events([StoredEvent(uuid.uuid4(), 1, "bench:BenchHappened", state)])
            done += 1
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(writers) as pool:
        total = sum(pool.map(loop, range(writers)))
    elapsed = time.perf_counter() - started
    datastore.close()
    return total / elapsed


async def run_eventsourcing(dsn: str) -> dict[str, float]:
    try:
        import eventsourcing  # noqa: F401
    except ImportError:
        return {}
    return {f"es_{n}": await asyncio.to_thread(eventsourcing_rate, dsn, n) for n in (1, 16)}
