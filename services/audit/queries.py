"""Who did what, where: read from the `audit_trail` projection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    position: int
    recorded_at: datetime
    actor: str
    actor_name: str | None
    type: str
    stream_id: str
    unit_id: str | None
    data: dict[str, Any]


async def audit_trail(pool: asyncpg.Pool, unit_id: str, before: int | None, limit: int) -> list[AuditEntry]:
    """Actions on `unit_id` and every unit below it, newest first."""
    rows = await pool.fetch(
        """SELECT a.position, a.recorded_at, a.actor, d.display_name AS actor_name, a.type,
                  a.stream_id, a.unit_id, a.data::text AS data
             FROM audit_trail a
             JOIN unit_tree u ON u.unit_id = a.unit_id
             LEFT JOIN account_directory d ON d.account_id = a.actor
            WHERE u.path @> ARRAY[$1] AND ($2::bigint IS NULL OR a.position < $2)
            ORDER BY a.position DESC LIMIT $3""",
        unit_id,
        before,
        limit,
    )
    return [AuditEntry(**{**dict(r), "data": msgspec.json.decode(r["data"])}) for r in rows]
