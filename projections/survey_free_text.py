"""survey_free_text: the free-text answers of each unit (its own respondents, not its
subtree's), per survey and cycle. Texts raised as problems never get here: they left the
answer at intake and became cases. Shown only under the comment threshold (queries)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from events.answers import AnswerRecorded
from events.base import Event, RecordedEvent
from events.store.db import Db
from events.surveys import SurveyPublished
from projections.projector import Projector


class SurveyFreeText(Projector):
    name: ClassVar[str] = "survey_free_text"
    handles: ClassVar[frozenset[type[Event]]] = frozenset({SurveyPublished, AnswerRecorded})
    tables: ClassVar[tuple[str, ...]] = ("survey_free_text", "survey_free_text_questions")
    ddl: ClassVar[str] = """
        CREATE TABLE IF NOT EXISTS survey_free_text (
            survey_id text NOT NULL, cycle integer NOT NULL, unit_id text NOT NULL,
            question_id text NOT NULL, answer_id text NOT NULL, text text NOT NULL,
            PRIMARY KEY (survey_id, cycle, unit_id, question_id, answer_id)
        );
        CREATE TABLE IF NOT EXISTS survey_free_text_questions (
            survey_id text NOT NULL, cycle integer NOT NULL, question_ids text[] NOT NULL,
            PRIMARY KEY (survey_id, cycle)
        );
    """

    async def apply_batch(self, conn: Db, events: Sequence[RecordedEvent]) -> None:
        texts: dict[tuple[str, int], frozenset[str]] = {}
        rows: list[tuple[str, int, str, str, str, str]] = []
        for recorded in events:
            e = recorded.event
            if isinstance(e, SurveyPublished):
                ids = [q.id for q in e.definition.questions if q.kind == "text"]
                await conn.execute(
                    "INSERT INTO survey_free_text_questions VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    e.survey_id,
                    e.cycle,
                    ids,
                )
                texts[(e.survey_id, e.cycle)] = frozenset(ids)
            elif isinstance(e, AnswerRecorded):
                key = (e.survey_id, e.cycle)
                if key not in texts:
                    texts[key] = frozenset(
                        await conn.fetchval(
                            "SELECT question_ids FROM survey_free_text_questions"
                            " WHERE survey_id = $1 AND cycle = $2",
                            *key,
                        )
                        or ()
                    )
                rows += [
                    (e.survey_id, e.cycle, e.unit_id, q, e.answer_id, v)
                    for q, v in e.values.items()
                    if q in texts[key] and isinstance(v, str)
                ]
        if rows:
            await conn.executemany(
                "INSERT INTO survey_free_text VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING", rows
            )
