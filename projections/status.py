"""Lag of every projector, read from the database so any process can answer it."""

from __future__ import annotations

import msgspec

from events.store.db import Queryable

LAG_CAP = 1_000_000  # counting further than this costs more than it tells


class ProjectorLag(msgspec.Struct, frozen=True):
    name: str
    checkpoint: str
    events_behind: int
    seconds_behind: float


_SQL = """
SELECT c.name, c.era, c.tx, c.pos,
       (SELECT count(*) FROM (SELECT 1 FROM events e
          WHERE (e.era, e.transaction_id, e.position) > (c.era, c.tx::text::xid8, c.pos)
          LIMIT $2) behind) AS events_behind,
       coalesce(extract(epoch FROM now() - (SELECT e.recorded_at FROM events e
          WHERE (e.era, e.transaction_id, e.position) > (c.era, c.tx::text::xid8, c.pos)
          ORDER BY e.era, e.transaction_id, e.position LIMIT 1)), 0)::float8 AS seconds_behind
  FROM projection_checkpoints c
 WHERE c.name = ANY($1)
 ORDER BY c.name
"""


async def lag(conn: Queryable, names: list[str]) -> list[ProjectorLag]:
    rows = await conn.fetch(_SQL, names, LAG_CAP)
    known = {r["name"] for r in rows}
    out = [
        ProjectorLag(
            name=r["name"],
            checkpoint=f"{r['era']}.{r['tx']}.{r['pos']}",
            events_behind=r["events_behind"],
            seconds_behind=max(0.0, r["seconds_behind"]),
        )
        for r in rows
    ]
    # A projector that never ran is as far behind as the whole store.
    for name in sorted(set(names) - known):
        total = await conn.fetchval("SELECT count(*) FROM (SELECT 1 FROM events LIMIT $1) t", LAG_CAP)
        out.append(ProjectorLag(name=name, checkpoint="0.0.0", events_behind=total, seconds_behind=0.0))
    return out
