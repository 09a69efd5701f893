"""Survey projectors: given events, then rows (real PostgreSQL); a rebuild equals the live tables."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from events import answers as answer_events
from events import surveys as survey_events
from events.answers import AnswerRecorded
from events.base import Event
from events.store import EventStore, Expect
from events.surveys import (
    Definition,
    InvitationsIssued,
    Option,
    PrivacyManifest,
    Question,
    SurveyDrafted,
    SurveyPublished,
    Text,
    UnitSnapshot,
)
from projections.ballot_accounting import BallotAccounting
from projections.rebuild import rebuild
from projections.satisfaction_by_unit import SatisfactionByUnit, value_layout
from projections.survey_catalogue import SurveyCatalogue
from projections.survey_free_text import SurveyFreeText
from services.surveys.model import FIVE_GOODS, default_score_definition
from services.surveys.results.queries import unpack
from tests.support.helpers import new
from tests.support.running import running, until

pytestmark = pytest.mark.integration
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
DEF = Definition(
    title=Text(zh="测评"),
    dimensions=FIVE_GOODS,
    questions=(
        Question(id="m", kind="likert", text=Text(zh="成员"), dimension="members"),
        Question(
            id="g",
            kind="single",
            text=Text(zh="群体"),
            options=(Option(id="youth", text=Text(zh="青年")), Option(id="women", text=Text(zh="妇女"))),
        ),
        Question(
            id="t",
            kind="multiple",
            text=Text(zh="话题"),
            options=(Option(id="pay", text=Text(zh="待遇")), Option(id="hours", text=Text(zh="工时"))),
        ),
        Question(id="x", kind="text", text=Text(zh="意见")),
    ),
)
UNITS = (
    UnitSnapshot(unit_id="a", parent_id=None, name="学校", kind="school", headcount=30, path=("a",)),
    UnitSnapshot(
        unit_id="a1", parent_id="a", name="教务处", kind="department", headcount=10, path=("a", "a1")
    ),
)
PUBLISHED = SurveyPublished(
    survey_id="s",
    cycle=1,
    version_digest="d",
    definition=DEF,
    manifest=PrivacyManifest(segment_questions=("g",)),
    units=UNITS,
    published_at=NOW,
)


def answered(unit: str, n: int, **values: object) -> AnswerRecorded:
    return AnswerRecorded(
        survey_id="s",
        cycle=1,
        unit_id=unit,
        answer_id=f"{unit}-{n}",
        values=values,  # type: ignore[arg-type]
        released_at=NOW,
    )


HISTORY: list[Event] = [
    SurveyDrafted(survey_id="s", owner_unit_id="a", definition=DEF),
    default_score_definition("s"),
    PUBLISHED,
    InvitationsIssued(survey_id="s", cycle=1, unit_id="a1", issue_id="i", count=12),
    answered("a1", 1, m="satisfied", g="youth", t=["pay", "hours"], x="食堂"),
    answered("a1", 2, m="unknown", g="women"),
    answered("a", 3, m="dissatisfied", g="youth", t=["pay"]),
]


async def append_all(store: EventStore, events: list[Event]) -> None:
    for e in events:
        s = survey_events.stream("s") if not isinstance(e, AnswerRecorded) else answer_events.stream("s")
        await store.append(s, new(e), Expect.ANY)


async def project(store: EventStore, *projectors: object) -> None:
    async with store.pool.acquire() as conn, conn.transaction():
        recorded = await store.read_all()
        for p in projectors:
            await p.create_tables(conn)  # type: ignore[attr-defined]
            wanted = p.handled_types()  # type: ignore[attr-defined]
            await p.apply_batch(conn, [r for r in recorded if r.type in wanted])  # type: ignore[attr-defined]


async def rows(pool: asyncpg.Pool, sql: str) -> set[tuple[object, ...]]:
    return {tuple(tuple(v) if isinstance(v, list) else v for v in r) for r in await pool.fetch(sql)}


async def distributions(
    pool: asyncpg.Pool, seg: tuple[str, str] = ("", "")
) -> dict[str, dict[str, dict[str, int]]]:
    layout = value_layout(DEF)
    found = await pool.fetch(
        "SELECT unit_id, counts FROM satisfaction_by_unit WHERE seg_q = $1 AND seg_v = $2", *seg
    )
    return {r["unit_id"]: {q: dict(v) for q, v in unpack(layout, r["counts"]).items()} for r in found}


async def test_answers_count_in_their_unit_and_every_ancestor_per_segment(store: EventStore) -> None:
    await append_all(store, HISTORY)
    await project(store, SatisfactionByUnit())
    people = await rows(store.pool, "SELECT unit_id, seg_q, seg_v, respondents FROM satisfaction_by_unit")
    assert people == {
        ("a1", "", "", 2),
        ("a", "", "", 3),
        ("a1", "g", "youth", 1),
        ("a1", "g", "women", 1),
        ("a", "g", "youth", 2),
        ("a", "g", "women", 1),
    }
    everyone = await distributions(store.pool)
    assert everyone["a1"]["m"] == {"satisfied": 1, "unknown": 1}
    assert everyone["a"]["m"] == {"satisfied": 1, "unknown": 1, "dissatisfied": 1}
    assert everyone["a"]["t"] == {"pay": 2, "hours": 1}  # multiple choice: each option ticked
    assert "x" not in everyone["a"] and all(q != "x" for q, _ in value_layout(DEF))  # free text never counted
    youth = await distributions(store.pool, ("g", "youth"))
    assert youth["a"]["m"] == {"satisfied": 1, "dissatisfied": 1}


async def test_free_text_ballots_and_catalogue_rows(store: EventStore) -> None:
    await append_all(store, HISTORY)
    await project(store, SurveyFreeText(), BallotAccounting(), SurveyCatalogue())
    assert await rows(store.pool, "SELECT unit_id, question_id, text FROM survey_free_text") == {
        ("a1", "x", "食堂")
    }
    assert await rows(store.pool, "SELECT unit_id, issued, answers FROM ballot_accounting") == {
        ("a1", 12, 2),
        ("a", 0, 1),
    }
    assert await rows(store.pool, "SELECT status, cycle, score_version FROM survey_catalogue") == {
        ("published", 1, 1)
    }
    assert await rows(store.pool, "SELECT unit_id, path FROM survey_units") == {
        ("a", ("a",)),
        ("a1", ("a", "a1")),
    }


async def test_rebuild_of_every_survey_projector_equals_the_live_tables(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    more = [answered("a1", 10 + i, m="satisfied", g="youth") for i in range(20)]
    await append_all(store, HISTORY + more)
    projectors = [SurveyCatalogue(), SatisfactionByUnit(), SurveyFreeText(), BallotAccounting()]
    queries = {p.name: [f"SELECT * FROM {t}" for t in p.tables] for p in projectors}
    async with running(dsn, pool, projectors, batch_size=3):  # batches cut differently from a rebuild's

        async def caught_up() -> bool:
            n = (
                await pool.fetchval("SELECT coalesce(sum(answers), 0) FROM ballot_accounting")
                if await pool.fetchval("SELECT to_regclass('ballot_accounting') IS NOT NULL")
                else 0
            )
            return (
                bool(n == 23)
                and await pool.fetchval(
                    "SELECT count(*) FROM projection_checkpoints"
                    " WHERE pos < (SELECT max(position) FROM events)"
                )
                == 0
            )

        await until(caught_up)
    live = {name: [await rows(pool, q) for q in qs] for name, qs in queries.items()}
    for p in projectors:
        await rebuild(dsn, p)
        assert [await rows(pool, q) for q in queries[p.name]] == live[p.name], p.name
