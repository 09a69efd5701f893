"""ballot_accounting: per survey × cycle × unit, invitation codes issued and answers
recorded (the unit's own, not its subtree's). Redemptions are counted where they happen,
in `survey_codes` (queries add them): answers ≤ redeemed ≤ issued at every moment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import ClassVar

from events.answers import AnswerRecorded
from events.base import Event, RecordedEvent
from events.store.db import Db
from events.surveys import InvitationsIssued
from projections.projector import Projector


class BallotAccounting(Projector):
    name: ClassVar[str] = "ballot_accounting"
    handles: ClassVar[frozenset[type[Event]]] = frozenset({InvitationsIssued, AnswerRecorded})
    tables: ClassVar[tuple[str, ...]] = ("ballot_accounting",)
    ddl: ClassVar[str] = """
        CREATE TABLE IF NOT EXISTS ballot_accounting (
            survey_id text NOT NULL, cycle integer NOT NULL, unit_id text NOT NULL,
            issued bigint NOT NULL DEFAULT 0, answers bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (survey_id, cycle, unit_id)
        );
    """

    async def apply_batch(self, conn: Db, events: Sequence[RecordedEvent]) -> None:
        issued: Counter[tuple[str, int, str]] = Counter()
        answers: Counter[tuple[str, int, str]] = Counter()
        for recorded in events:
            e = recorded.event
            if isinstance(e, InvitationsIssued):
                issued[(e.survey_id, e.cycle, e.unit_id)] += e.count
            elif isinstance(e, AnswerRecorded):
                answers[(e.survey_id, e.cycle, e.unit_id)] += 1
        keys = sorted(set(issued) | set(answers))
        if keys:
            await conn.execute(
                """INSERT INTO ballot_accounting
                   SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[], $5::bigint[])
                   ON CONFLICT (survey_id, cycle, unit_id) DO UPDATE
                   SET issued = ballot_accounting.issued + excluded.issued,
                       answers = ballot_accounting.answers + excluded.answers""",
                [k[0] for k in keys],
                [k[1] for k in keys],
                [k[2] for k in keys],
                [issued[k] for k in keys],
                [answers[k] for k in keys],
            )
