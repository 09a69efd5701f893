"""Release the mixing pool into the event store: delete, unseal, shuffle, append — in one
transaction.

Why this leaks no arrival order, without relying on VACUUM:
* the answers are appended in an order drawn from the operating system's randomness, in
  one transaction: they share one transaction id (xmin) and one `recorded_at`, and their
  positions, event ids and physical row order (ctid) follow the shuffle, not the arrivals;
* each answer is stamped with the release time and gets an answer id drawn now;
* the pool rows are deleted in the same transaction. Until VACUUM reclaims them their dead
  tuples still exist, with the arrival transaction's xmin — which is why the pool holds
  answers only sealed and padded to one length per published version (keys.seal): a dead
  tuple can't be matched to the plain released answer without the service secret, not
  even by its size; and a crash before commit leaves the pool as it was (nothing lost,
  nothing released twice).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime

import msgspec

from events.answers import AnswerRecorded, Value, stream
from events.base import Event, pending
from events.store.append import append
from events.store.db import Db
from events.store.expected import Expect
from services.surveys import keys

_payload = msgspec.json.Decoder(dict[str, Value])
_shuffler = secrets.SystemRandom()


async def release_pool(
    conn: Db,
    secret: bytes,
    survey_id: str,
    units: Sequence[str] | None,
    now: datetime,
    batch_id: uuid.UUID,
) -> int:
    """Release the survey's pool (only `units`' buckets when given). Returns the count."""
    await conn.execute("SELECT pg_advisory_xact_lock(8, hashtext($1))", survey_id)
    # Then the intake row FOR UPDATE, as a close does: intake statements hold it FOR SHARE,
    # so this waits for those in flight and holds new ones until the release commits.
    # Without it a batch that found the bucket row (ON CONFLICT DO NOTHING takes no lock)
    # could commit between the two DELETEs below: its answers left in the pool with no
    # bucket, never due again (seen once as a stalled count in the fault test).
    await conn.execute("SELECT 1 FROM survey_intake WHERE survey_id = $1 FOR UPDATE", survey_id)
    rows = await conn.fetch(
        """DELETE FROM survey_pool WHERE survey_id = $1 AND ($2::text[] IS NULL OR unit_id = ANY($2))
           RETURNING cycle, unit_id, sealed""",
        survey_id,
        None if units is None else list(units),
    )
    await conn.execute(
        "DELETE FROM survey_pool_buckets WHERE survey_id = $1 AND ($2::text[] IS NULL OR unit_id = ANY($2))",
        survey_id,
        None if units is None else list(units),
    )
    if not rows:
        return 0
    answers = [(r["cycle"], r["unit_id"], r["sealed"]) for r in rows]
    _shuffler.shuffle(answers)
    events: list[Event] = [
        AnswerRecorded(
            survey_id=survey_id,
            cycle=cycle,
            unit_id=unit_id,
            answer_id=secrets.token_hex(16),
            values=_payload.decode(keys.unseal(secret, sealed)),
            released_at=now,
        )
        for cycle, unit_id, sealed in answers
    ]
    await append(conn, stream(survey_id), pending(events, command_id=batch_id), Expect.ANY)
    return len(events)


def due_units(
    buckets: Sequence[tuple[str, int, datetime]], k: int, after_minutes: int, now: datetime
) -> list[str]:
    """Buckets (unit, answers waiting, opened at) ready to leave: k answers, or waited long enough.

    Per unit, because an answer counts for its unit: a batch holding a unit's single answer
    beside others' would tie that answer to the one code of the unit redeemed meanwhile.
    """
    return [
        unit
        for unit, waiting, opened in buckets
        if waiting >= k or (now - opened).total_seconds() >= after_minutes * 60
    ]
