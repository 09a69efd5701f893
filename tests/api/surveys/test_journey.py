"""Define → publish → answer → release → results, over HTTP."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.support.access import World, settings, world
from tests.support.surveys import answer, answer_body, published_survey, release, settled

pytestmark = pytest.mark.api
__all__ = ["settings", "world"]


async def test_open_survey_answers_show_in_results_only_after_release(
    world: World, pool: asyncpg.Pool
) -> None:
    a1 = world.units["A1"]
    survey = await published_survey(world, world.units["A"])
    for i in range(6):
        await answer(
            world,
            survey,
            answer_body(
                unit=a1, q_members="satisfied" if i < 4 else "dissatisfied", q_cadres=5, q_group="youth"
            ),
        )
    leader = world.auth["leader"].headers()
    before = await world.client.get(f"/api/v1/surveys/{survey}/results?unit={a1}", headers=leader)
    assert before.status_code == 200, before.text
    assert before.json()["total"]["suppressed"] is True
    assert await release(world, survey) == 6
    await settled(pool, survey, 6)
    r = await world.client.get(f"/api/v1/surveys/{survey}/results?unit={a1}", headers=leader)
    total = r.json()["total"]
    assert total["respondents"] == 6
    assert total["dimensions"]["members"]["score"] == round((4 * 100 + 2 * 0) / 6, 1)
    assert total["dimensions"]["cadres"]["score"] == 100.0


async def test_background_release_moves_a_bucket_once_k_answers_wait(
    world: World, pool: asyncpg.Pool
) -> None:
    survey = await published_survey(world, world.units["A"])
    for _ in range(4):
        await answer(world, survey, answer_body(unit=world.units["A1"]))
    world.client.app.state.survey_release_seconds = 0.05
    await asyncio.sleep(0.5)
    assert await pool.fetchval("SELECT count(*) FROM survey_pool") == 4  # fewer than k: they wait
    await answer(world, survey, answer_body(unit=world.units["A1"]))
    await settled(pool, survey, 5)
    assert await pool.fetchval("SELECT count(*) FROM survey_pool") == 0
