"""Store-wide figures for /metrics, read from PostgreSQL so every replica reports the same.

Counting events by type incrementally
-------------------------------------
A scrape must not scan ten million events, and the domain code appends in many places, so
instead of counting in every process we count *the store*: each refresh counts only the
events of transactions between the last horizon and the current one. The horizon is
the oldest transaction still running (as in read_all.py): every transaction with a lower id has committed or
rolled back, so no row can appear behind it later (the reason is the one read_all.py gives
for the projectors' order). Windows are bounded by (era, transaction id), never by position,
so a late commit lands in a later window instead of being missed. A release of the mixing
pool is one transaction on one survey's answer stream: distinct (transaction, stream) pairs
of `AnswerRecorded` are release batches.

The first refresh of a process counts the whole store once (seconds at 10 M events); later
ones read only the new rows through the (era, transaction_id, position) index.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import asyncpg

from projections.catalogue import all_projectors
from projections.status import lag

# The horizon as read_all.py computes it: the oldest running transaction of *this* database
# (a long transaction next door in the same cluster must not hold the figures back).
_WINDOW = """
WITH snap AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
h AS (
  SELECT (SELECT era FROM store_meta) AS era,
         coalesce(min(x), pg_snapshot_xmax((SELECT s FROM snap))) AS tx
    FROM pg_snapshot_xip((SELECT s FROM snap)) AS x
   WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                      WHERE a.backend_xid = x::xid AND a.datname <> current_database()))
SELECT h.era, h.tx::text AS tx, e.type, count(e.type) AS n,
       count(DISTINCT (e.transaction_id, e.stream_id)) AS txs
  FROM h LEFT JOIN events e
    ON (e.era, e.transaction_id) >= ($1::int, $2::text::xid8) AND (e.era, e.transaction_id) < (h.era, h.tx)
 GROUP BY h.era, h.tx, e.type
"""


@dataclass
class StoreStats:
    era: int = 0
    tx: int = 0  # the horizon counted up to (exclusive)
    by_type: dict[str, int] = field(default_factory=dict)
    release_batches: int = 0
    lag_events: dict[str, int] = field(default_factory=dict)
    lag_seconds: dict[str, float] = field(default_factory=dict)
    pool_answers: int = 0
    database_up: bool = False
    refreshed_at: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def refresh(self, pool: asyncpg.Pool, max_age: float = 2.0) -> None:
        """Refresh unless a refresh finished less than `max_age` seconds ago."""
        async with self._lock:
            if time.monotonic() - self.refreshed_at < max_age:
                return
            try:
                await asyncio.wait_for(self._read(pool), timeout=8)
                self.database_up = True
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                self.database_up = False  # the figures keep their last values
            self.refreshed_at = time.monotonic()

    async def _read(self, pool: asyncpg.Pool) -> None:
        async with pool.acquire() as conn:
            rows = await conn.fetch(_WINDOW, self.era, str(self.tx))
            for r in rows:
                if r["type"] is not None:
                    self.by_type[r["type"]] = self.by_type.get(r["type"], 0) + r["n"]
                    if r["type"] == "AnswerRecorded":
                        self.release_batches += r["txs"]
            if rows:
                self.era, self.tx = rows[0]["era"], int(rows[0]["tx"])
            names = [p.name for p in all_projectors()]
            for row in await lag(conn, names):
                self.lag_events[row.name] = row.events_behind
                self.lag_seconds[row.name] = row.seconds_behind
            self.pool_answers = await conn.fetchval("SELECT count(*) FROM survey_pool")
