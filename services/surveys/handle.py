"""Carry out a survey command: read the stream, decide, append. The slice's only I/O for
commands, together with the rows that must commit with the events: the intake switch
(publish, close), the code hashes (invitations) and the final release of the pool (close).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from events.base import Event, pending
from events.store import EventStore
from events.store.append import append
from events.store.db import Db
from events.store.read_stream import read_stream
from events.surveys import InvitationsIssued, SurveyClosed, SurveyPublished, UnitSnapshot, stream
from services.commanding import Outcome, replayed, retry_order_conflicts
from services.surveys import keys
from services.surveys.commands import PublishSurvey, SurveyCommand
from services.surveys.decider import SurveyState, decide, fold
from services.surveys.intake.release import release_pool

SURVEY_LOCK = "SELECT pg_advisory_xact_lock(8, hashtext($1))"


async def handle(
    store: EventStore,
    command: SurveyCommand,
    *,
    command_id: uuid.UUID,
    actor: str | None,
    secret: bytes,
    expected: int | None = None,
) -> Outcome:
    async def attempt() -> Outcome:
        async with store.unit_of_work() as conn:
            # One writer per survey at a time: a close and a release, or two publications,
            # never interleave.
            await conn.execute(SURVEY_LOCK, command.survey_id)
            done = await replayed(conn, command_id)
            if done is not None:
                return done
            state, version = await load(conn, command.survey_id)
            todo = command
            if isinstance(todo, PublishSurvey) and not todo.units:
                todo = await _with_snapshot(conn, todo, state)
            events = decide(todo, state)
            if not events:
                return Outcome(None, version)
            await _side_rows(conn, events, secret, command_id)
            result = await append(
                conn,
                stream(command.survey_id),
                pending(events, command_id=command_id, actor=actor),
                version if expected is None else expected,
            )
            return Outcome(result.positions[-1], result.last_version)

    return await retry_order_conflicts(attempt)


async def load(conn: Db, survey_id: str) -> tuple[SurveyState, int]:
    recorded = await read_stream(conn, stream(survey_id))
    version = recorded[-1].stream_version if recorded else 0
    return fold([r.event for r in recorded]), version


async def _with_snapshot(conn: Db, command: PublishSurvey, state: SurveyState) -> PublishSurvey:
    """The owner's subtree as the unit tree shows it now, paths starting at the owner."""
    rows = await conn.fetch(
        """SELECT unit_id, parent_id, name, kind, headcount,
                  path[array_position(path, $1):] AS path
             FROM unit_tree WHERE path @> ARRAY[$1] AND NOT closed ORDER BY depth, unit_id""",
        state.owner_unit_id,
    )
    units = tuple(
        UnitSnapshot(
            unit_id=r["unit_id"],
            parent_id=r["parent_id"] if r["unit_id"] != state.owner_unit_id else None,
            name=r["name"],
            kind=r["kind"],
            headcount=r["headcount"],
            path=tuple(r["path"]),
        )
        for r in rows
    )
    return PublishSurvey(survey_id=command.survey_id, manifest=command.manifest, units=units, now=command.now)


async def _side_rows(conn: Db, events: list[Event], secret: bytes, command_id: uuid.UUID) -> None:
    for e in events:
        match e:
            case SurveyPublished():
                await conn.execute(
                    """INSERT INTO survey_intake VALUES ($1, $2, true, $3, $4, $5)
                       ON CONFLICT (survey_id) DO UPDATE SET cycle = $2, open = true, access = $3,
                           k = $4, release_after_minutes = $5, pad_bytes_per_char = DEFAULT""",
                    e.survey_id,
                    e.cycle,
                    e.definition.access,
                    e.manifest.k,
                    e.manifest.release_after_minutes,
                )
            case SurveyClosed():
                await close_intake(conn, secret, e.survey_id, e.closed_at, command_id)
            case InvitationsIssued():
                await _store_codes(conn, secret, e)


async def close_intake(conn: Db, secret: bytes, survey_id: str, now: datetime, command_id: uuid.UUID) -> None:
    # FOR UPDATE waits for intake batches holding the row FOR SHARE; after it, none can
    # add to the pool, and everything in it is released with the close.
    await conn.execute("SELECT 1 FROM survey_intake WHERE survey_id = $1 FOR UPDATE", survey_id)
    await conn.execute("UPDATE survey_intake SET open = false WHERE survey_id = $1", survey_id)
    await release_pool(conn, secret, survey_id, None, now, uuid.uuid5(command_id, "final-release"))


async def _store_codes(conn: Db, secret: bytes, e: InvitationsIssued) -> None:
    hashes = [
        keys.code_hash(secret, keys.invitation_code(secret, e.survey_id, e.cycle, e.unit_id, e.issue_id, n))
        for n in range(e.count)
    ]
    await conn.execute(
        """INSERT INTO survey_codes (code_hash, survey_id, cycle, unit_id, issue_id)
           SELECT h, $2, $3, $4, $5 FROM unnest($1::bytea[]) AS h""",
        hashes,
        e.survey_id,
        e.cycle,
        e.unit_id,
        e.issue_id,
    )
