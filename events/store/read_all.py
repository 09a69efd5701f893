"""read_all(after, limit): every event in the global order, never skipping a late commit.

Why the global order is (era, transaction id, position) and not the position alone
----------------------------------------------------------------------------------
Positions come from an identity sequence when a row is inserted, but transactions commit
in any order. If transaction A takes position 10, transaction B takes 11 and commits first,
a reader that follows positions sees 11, moves its checkpoint past 10, and never sees A's
event when A commits a moment later. Timers that "give up on a gap" lose events the same way.

The technique used here is transaction-id ordering (as in message-db and emmett): every row
records `pg_current_xact_id()` of the transaction that inserted it, and a reader only takes
rows whose transaction id is below a horizon: the oldest transaction still running when the
reader's snapshot was taken (`pg_snapshot_xmin(pg_current_snapshot())`). Every transaction
below the horizon has committed or rolled back, so no row can ever appear behind the
reader's checkpoint again. Rows are ordered by (transaction id, position), a total order
that only grows.

Refinement: transaction ids are cluster-wide, so a long transaction in *another database*
of the same cluster would hold the plain horizon back (measured: a test suite next door
holding a transaction for 2 s pushed projection lag p99 to 2.2 s). The horizon therefore
skips the snapshot's running ids that pg_stat_activity positively shows as belonging to a
backend of another database — such a backend can never write to this table. An id it cannot
place (not listed, prepared transactions, a role without the right to see it) still counts,
so the refinement can only ever lower the horizon back to the plain one, never pass a
transaction of this database.

Guarantees: no skipped event; a rolled-back transaction just disappears, and the horizon
moves past it at the next read (no stall); within one transaction positions follow
stream versions. Across transactions, a stream's versions follow transaction ids because
`append` refuses (StreamOrderConflict, retried by EventStore.append) to append after an event of
a transaction with a higher id — the one case where a transaction took its id early, before
another appended the stream's previous version.

Costs: a reader waits for the slowest writing transaction of this database (a long
transaction holds back every projector: keep transactions short; the pool sets
idle_in_transaction_session_timeout); one 8-byte column and an index of (era,
transaction_id, position); a look at pg_stat_activity per batch read.

Restores: transaction ids belong to one cluster. A store restored into another cluster may
hold ids above that cluster's counter, and new events would sort before old ones. The store
records the cluster's system identifier in `store_meta`; when `migrate` finds another one it
starts a new era, and the order key begins with the era, so everything older sorts first.
"""

from __future__ import annotations

import asyncpg

from events.base import START, Checkpoint, RecordedEvent
from events.store.db import Queryable
from events.store.records import COLUMNS, to_recorded

_SQL = f"""
WITH snap AS MATERIALIZED (SELECT pg_current_snapshot() AS s),
horizon AS (
  SELECT coalesce(min(x), pg_snapshot_xmax((SELECT s FROM snap))) AS h
    FROM pg_snapshot_xip((SELECT s FROM snap)) AS x
   WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                      WHERE a.backend_xid = x::xid AND a.datname <> current_database()))
SELECT {COLUMNS} FROM events
 WHERE (era, transaction_id, position) > ($1, $2::text::xid8, $3)
   AND (era, transaction_id) < ((SELECT era FROM store_meta), (SELECT h FROM horizon))
 ORDER BY era, transaction_id, position
 LIMIT $4
"""


async def read_all(conn: Queryable, after: Checkpoint = START, limit: int = 1000) -> list[RecordedEvent]:
    rows = await conn.fetch(_SQL, after.era, str(after.tx), after.pos, limit)
    return [to_recorded(r) for r in rows]


async def read_all_raw(conn: Queryable, after: Checkpoint = START, limit: int = 1000) -> list[asyncpg.Record]:
    """The same rows undecoded, for projectors that decode lazily (only the types they handle)."""
    return await conn.fetch(_SQL, after.era, str(after.tx), after.pos, limit)
