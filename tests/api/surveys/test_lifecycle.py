"""Survey lifecycle over HTTP: the public form, bad input, close, cycles and trends, raised cases."""

from __future__ import annotations

import asyncpg
import pytest

from tests.support.access import World, settings, world
from tests.support.surveys import (
    QUESTIONS,
    answer,
    answer_body,
    create_survey,
    publish,
    published_survey,
    settled,
)

pytestmark = pytest.mark.api
__all__ = ["settings", "world"]


async def test_form_shows_the_frozen_version_and_its_privacy_manifest(world: World) -> None:
    survey = await create_survey(world, world.units["A"])
    draft = await world.client.get(f"/api/v1/public/surveys/{survey}")
    assert draft.status_code == 404  # a draft is not open to anyone, nor known to exist
    view = await publish(world, survey, k=6, comment_threshold=12)
    form = (await world.client.get(f"/api/v1/public/surveys/{survey}")).json()
    assert form["manifest"]["k"] == 6 and form["manifest"]["comment_threshold"] == 12
    assert form["version_digest"] == view["version_digest"] and len(form["version_digest"]) == 64
    assert [d["text"]["zh"] for d in form["definition"]["dimensions"]] == [
        "成员好",
        "干部队伍好",
        "工作机制好",
        "工作业绩好",
        "群众反映好",
    ]
    assert world.units["A1"] in {u["unit_id"] for u in form["units"]}


async def test_published_survey_cannot_be_revised(world: World) -> None:
    survey = await published_survey(world, world.units["A"])
    r = await world.client.put(
        f"/api/v1/surveys/{survey}", headers=world.root, json={"title": {"zh": "改"}, "questions": QUESTIONS}
    )
    assert r.status_code == 409 and r.json()["type"] == "/problems/survey-published"


@pytest.mark.parametrize(
    "body",
    [
        {"submission_id": "abcdefgh", "answers": {"q_members": "great"}},
        {"submission_id": "abcdefgh", "answers": {"q_members": "satisfied", "q_cadres": "5"}},
        {"submission_id": "abcdefgh", "answers": {"q_members": "satisfied", "q_nps": 11}},
        {"submission_id": "abcdefgh", "answers": {"q_members": "satisfied", "q_text": "x" * 201}},
        {
            "submission_id": "abcdefgh",
            "answers": {"q_members": "satisfied", "q_text": "<script>alert(1)</script>"},
        },
        {"submission_id": "abcdefgh", "answers": {"q_members": "satisfied", "q_text": "正常\u202e文字"}},
        {"submission_id": "abcdefgh", "answers": {"q_members": "satisfied", "q_zzz": 1}},
        {"submission_id": "abcdefgh", "answers": {"q_members": "satisfied"}, "ip": "1.2.3.4"},
        {"submission_id": "short", "answers": {"q_members": "satisfied"}},
        {"submission_id": "abcdefgh", "answers": {"q_members": "satisfied"}, "unit_id": "nowhere"},
    ],
)
async def test_bad_answer_is_refused_and_nothing_is_stored(
    world: World, pool: asyncpg.Pool, body: dict
) -> None:
    survey = await published_survey(world, world.units["A"])
    body.setdefault("unit_id", world.units["A1"])
    r = await world.client.post(f"/api/v1/public/surveys/{survey}/answers", json=body)
    assert 400 <= r.status_code < 500 and r.headers["content-type"].startswith("application/problem+json")
    assert await pool.fetchval("SELECT count(*) FROM survey_pool") == 0
    assert await pool.fetchval("SELECT count(*) FROM survey_submissions") == 0


async def test_close_releases_the_pool_and_refuses_later_answers(world: World, pool: asyncpg.Pool) -> None:
    survey = await published_survey(world, world.units["A"])
    for _ in range(2):  # fewer than k: the pool would otherwise keep them
        await answer(world, survey, answer_body(unit=world.units["A1"]))
    r = await world.client.post(f"/api/v1/surveys/{survey}/close", headers=world.root)
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert await pool.fetchval("SELECT count(*) FROM survey_pool") == 0
    await settled(pool, survey, 2)
    late = await answer(world, survey, answer_body(unit=world.units["A1"]), status=409)
    assert late["type"] == "/problems/survey-not-published"


async def test_trend_marks_a_score_definition_change_and_recomputes_past_cycles(
    world: World, pool: asyncpg.Pool
) -> None:
    a1, leader = world.units["A1"], world.auth["leader"].headers()
    survey = await published_survey(world, world.units["A"])
    for value in ["satisfied"] * 3 + ["basically_satisfied"] * 2:
        await answer(world, survey, answer_body(unit=a1, q_members=value))
    await world.client.post(f"/api/v1/surveys/{survey}/close", headers=world.root)
    weights = {"satisfied": 100.0, "basically_satisfied": 80.0, "dissatisfied": 0.0}
    r = await world.client.post(
        f"/api/v1/surveys/{survey}/score-definition",
        headers=world.root,
        json={"likert_weights": weights, "favourable_likert": ["satisfied"]},
    )
    assert r.status_code == 200 and r.json()["score_version"] == 2
    await publish(world, survey)
    for _ in range(5):
        await answer(world, survey, answer_body(unit=a1, q_members="basically_satisfied"))
    await world.client.post(f"/api/v1/surveys/{survey}/close", headers=world.root)
    await settled(pool, survey, 10)
    points = (await world.client.get(f"/api/v1/surveys/{survey}/trend?unit={a1}", headers=leader)).json()
    assert [(p["cycle"], p["score_version"], p["definition_changed"]) for p in points] == [
        (1, 1, False),
        (2, 2, True),
    ]
    assert points[0]["overall"]["score"] == 84.0 and points[1]["overall"]["score"] == 80.0
    latest = (
        await world.client.get(f"/api/v1/surveys/{survey}/trend?unit={a1}&score=latest", headers=leader)
    ).json()
    assert latest[0]["overall"]["score"] == 92.0 and latest[0]["overall"]["favourable"] == 0.6


async def test_raised_free_text_becomes_a_case_and_leaves_the_answer(
    world: World, pool: asyncpg.Pool
) -> None:
    pytest.importorskip("services.cases.submit", reason="needs services.cases.submit")
    survey = await published_survey(world, world.units["A"])
    body = answer_body(unit=world.units["A1"], q_members="dissatisfied", q_text="工资拖欠三个月")
    body["raise_as_problem"] = ["q_text"]
    accepted = await answer(world, survey, body)
    [receipt] = accepted["receipts"]
    world.secrets.append(receipt["receipt_code"])
    cases = await pool.fetch("SELECT data FROM events WHERE type = 'CaseSubmitted'")
    assert len(cases) == 1 and "工资拖欠三个月" in cases[0]["data"]
    await world.client.post(f"/api/v1/surveys/{survey}/close", headers=world.root)
    await settled(pool, survey, 1)
    [recorded] = await pool.fetch("SELECT data FROM events WHERE stream_id = $1", f"answers-{survey}")
    assert "工资" not in recorded["data"] and "q_text" not in recorded["data"]


async def test_retried_create_with_same_idempotency_key_makes_one_survey(world: World) -> None:
    key = {"Idempotency-Key": "6f1c2a9e-0b7d-4c1e-9a51-3f4f5e6d7c8b"}
    body = {"owner_unit_id": world.units["A"], "title": {"zh": "重试"}, "questions": QUESTIONS}
    first = await world.client.post("/api/v1/surveys", headers={**world.root, **key}, json=body)
    again = await world.client.post("/api/v1/surveys", headers={**world.root, **key}, json=body)
    assert first.status_code == again.status_code == 201
    assert first.json()["survey_id"] == again.json()["survey_id"]
    listed = await world.client.get("/api/v1/surveys", headers=world.root)
    assert [s["definition"]["title"]["zh"] for s in listed.json()].count("重试") == 1


async def test_revise_with_a_stale_if_match_conflicts(world: World) -> None:
    survey = await create_survey(world, world.units["A"])
    etag = (await world.client.get(f"/api/v1/surveys/{survey}", headers=world.root)).headers["etag"]
    body = {"title": {"zh": "改一"}, "questions": QUESTIONS}
    ok = await world.client.put(
        f"/api/v1/surveys/{survey}", headers={**world.root, "If-Match": etag}, json=body
    )
    assert ok.status_code == 200 and ok.json()["definition"]["title"]["zh"] == "改一"
    stale = await world.client.put(
        f"/api/v1/surveys/{survey}", headers={**world.root, "If-Match": etag}, json=body
    )
    assert stale.status_code == 409 and stale.json()["type"] == "/problems/wrong-expected-version"
