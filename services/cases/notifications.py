"""In-app notifications: what needs the caller, from the case_notifications projection."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

from services.access.guards import Principal


class Notification(msgspec.Struct, frozen=True):
    case_id: str
    unit_id: str
    unit_name: str
    kind: str
    audience: str
    excerpt: str
    at: datetime


async def for_principal(pool: asyncpg.Pool, principal: Principal, limit: int = 50) -> list[Notification]:
    rows = await pool.fetch(
        """SELECT n.case_id, n.unit_id, u.name AS unit_name, n.kind, n.audience, n.excerpt, n.at
             FROM case_notifications n JOIN unit_tree u ON u.unit_id = n.unit_id
            WHERE (n.audience = 'handler' AND u.path && $1::text[])
               OR (n.audience = 'leader' AND u.path && $2::text[])
            ORDER BY n.at DESC LIMIT $3""",
        list(principal.units_with("handler")),
        list(principal.units_with("leader")),
        limit,
    )
    return [Notification(**dict(r)) for r in rows]
