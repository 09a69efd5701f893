"""Outbound webhooks: case notifications posted to plain-JSON receivers and to 企业微信 /
钉钉 group robots, at least once, with retries and exponential backoff.

Deliveries are rows in `webhook_deliveries` (a mutable table beside the case_notifications
projection): a delivery is marked done only after a 2xx, so a crash between sending and
marking sends it again — at least once, never lost. One deliverer at a time takes rows with
FOR UPDATE SKIP LOCKED, so several processes never post the same row at once. Only the last
day of notifications is enqueued for a newly configured receiver (no flood of history).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx

from services.settings import WebhookTarget

log = logging.getLogger(__name__)
MAX_BACKOFF = 600.0
KIND_NAMES = {
    "submitted": "新诉求",
    "assigned": "交办",
    "due_soon": "即将到期",
    "overdue": "逾期",
    "escalated": "督办",
    "extension_requested": "申请延期",
    "requester_replied": "诉求人回复",
}


async def enqueue(pool: asyncpg.Pool, targets: list[WebhookTarget], now: datetime) -> int:
    added = 0
    for t in targets:
        status = await pool.execute(
            """INSERT INTO webhook_deliveries (event_id, url, next_attempt)
               SELECT n.event_id, $1, $3 FROM case_notifications n JOIN unit_tree u USING (unit_id)
                WHERE n.at >= $3::timestamptz - interval '1 day' AND ($2::text IS NULL OR u.path @> ARRAY[$2])
               ON CONFLICT DO NOTHING""",
            t.url,
            t.unit_id,
            now,
        )
        added += int(status.split()[-1])
    return added


def body(fmt: str, n: Any) -> dict[str, Any]:
    if fmt == "json":
        return {
            "type": "qunsheng.case." + n["kind"],
            "case_id": n["case_id"],
            "unit_id": n["unit_id"],
            "unit_name": n["unit_name"],
            "audience": n["audience"],
            "at": n["at"].isoformat(),
            "excerpt": n["excerpt"],
        }
    text = f"【群声】{KIND_NAMES.get(n['kind'], n['kind'])}：{n['unit_name']} 案件 {n['case_id'][:8]}"
    if n["excerpt"]:
        text += f"「{n['excerpt']}」"
    return {"msgtype": "text", "text": {"content": text}}  # the shape both robots accept


async def deliver_due(
    pool: asyncpg.Pool,
    client: httpx.AsyncClient,
    targets: list[WebhookTarget],
    now: datetime,
    limit: int = 50,
) -> tuple[int, int]:
    """Post what is due. Returns (delivered, failed).

    Rows are claimed for a minute in a short transaction and posted outside any transaction:
    a transaction held open across HTTP calls would hold back every projector (read_all.py).
    """
    formats = {t.url: t.format for t in targets}
    rows = await pool.fetch(_CLAIM, now, limit)
    delivered = failed = 0
    for r in rows:
        error = await _post(client, r["url"], body(formats.get(r["url"], "json"), r))
        if error is None:
            delivered += 1
            await pool.execute(
                "UPDATE webhook_deliveries SET delivered_at = $3, attempts = attempts + 1"
                " WHERE event_id = $1 AND url = $2",
                r["event_id"],
                r["url"],
                now,
            )
        else:
            failed += 1
            wait = timedelta(seconds=min(MAX_BACKOFF, 2.0 ** r["attempts"]))
            await pool.execute(
                """UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt = $3,
                   last_error = $4 WHERE event_id = $1 AND url = $2""",
                r["event_id"],
                r["url"],
                now + wait,
                error[:200],
            )
    return delivered, failed


_CLAIM = """
WITH due AS (
  SELECT event_id, url FROM webhook_deliveries
   WHERE delivered_at IS NULL AND next_attempt <= $1
   ORDER BY next_attempt LIMIT $2 FOR UPDATE SKIP LOCKED),
claimed AS (
  UPDATE webhook_deliveries d SET next_attempt = $1 + interval '60 seconds'
    FROM due WHERE d.event_id = due.event_id AND d.url = due.url
  RETURNING d.event_id, d.url, d.attempts)
SELECT c.event_id, c.url, c.attempts, n.case_id, n.unit_id, n.audience, n.kind, n.excerpt, n.at,
       u.name AS unit_name
  FROM claimed c JOIN case_notifications n USING (event_id) JOIN unit_tree u ON u.unit_id = n.unit_id
"""


async def _post(client: httpx.AsyncClient, url: str, payload: dict[str, Any]) -> str | None:
    try:
        r = await client.post(url, json=payload, timeout=5.0)
    except httpx.HTTPError as exc:
        return type(exc).__name__
    return None if 200 <= r.status_code < 300 else f"HTTP {r.status_code}"


async def run(res: Any, clock: Any, targets: list[WebhookTarget], every: float = 2.0) -> None:
    async with httpx.AsyncClient() as client:
        while True:
            with contextlib.suppress(asyncpg.UndefinedTableError, OSError, asyncpg.PostgresError):
                await enqueue(res.pool, targets, clock.now())
                await deliver_due(res.pool, client, targets, clock.now())
            await asyncio.sleep(every)
