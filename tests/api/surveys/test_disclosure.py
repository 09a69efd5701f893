"""Disclosure control through every door: JSON results, heatmap, free text and exports."""

from __future__ import annotations

import csv
import io

import asyncpg
import msgspec
import pytest

from services.settings import Settings
from tests.support.access import World, settings, world
from tests.support.fakes import SequentialIds
from tests.support.surveys import answer, answer_body, published_survey, release, settled

pytestmark = pytest.mark.api
__all__ = ["settings", "world"]


async def six_split_five_one(world: World, pool: asyncpg.Pool, **manifest: int) -> str:
    survey = await published_survey(world, world.units["A"], **manifest)
    for group in ["youth"] * 5 + ["women"]:
        await answer(
            world,
            survey,
            answer_body(unit=world.units["A1"], q_members="satisfied", q_group=group, q_text="食堂饭菜太贵"),
        )
    assert await release(world, survey) == 6
    await settled(pool, survey, 6)
    return survey


async def test_segment_of_one_is_suppressed_and_so_is_its_complement(
    world: World, pool: asyncpg.Pool
) -> None:
    survey = await six_split_five_one(world, pool)
    leader = world.auth["leader"].headers()
    r = await world.client.get(f"/api/v1/surveys/{survey}/results?unit={world.units['A1']}", headers=leader)
    body = r.json()
    assert body["total"]["respondents"] == 6 and body["total"]["suppressed"] is False
    cells = {c["key"]: c for c in body["segments"]["q_group"]}
    assert cells["women"]["suppressed"] and cells["women"]["respondents"] is None
    assert cells["youth"]["suppressed"] and cells["youth"]["overall"] is None  # else 6 − 5 = the one
    assert "食堂" not in r.text


@pytest.mark.parametrize("value", ["women", "youth"])
async def test_filter_whose_result_or_remainder_is_under_k_is_refused(
    world: World, pool: asyncpg.Pool, value: str
) -> None:
    survey = await six_split_five_one(world, pool)
    url = f"/api/v1/surveys/{survey}/results?unit={world.units['A1']}&segment=q_group:{value}"
    r = await world.client.get(url, headers=world.auth["leader"].headers())
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == "/problems/filter-too-narrow"
    export = await world.client.get(
        f"/api/v1/surveys/{survey}/export/results?unit={world.units['A1']}&segment=q_group:{value}",
        headers=world.auth["leader"].headers(),
    )
    assert export.status_code == 422


async def test_small_own_group_hides_a_child_too_in_json_heatmap_and_exports(
    world: World, pool: asyncpg.Pool
) -> None:
    a, a1 = world.units["A"], world.units["A1"]
    survey = await published_survey(world, a)
    for _ in range(6):
        await answer(world, survey, answer_body(unit=a1, q_members="satisfied"))
    for _ in range(2):  # two answers at A itself: "A minus A1" would show them
        await answer(world, survey, answer_body(unit=a, q_members="dissatisfied"))
    assert await release(world, survey) == 6  # A's bucket of 2 waits: fewer than k
    world.client.app.state.clock.advance(minutes=361)  # until its time limit passes
    assert await release(world, survey) == 2
    await settled(pool, survey, 8)
    leader = world.auth["leader"].headers()
    r = (await world.client.get(f"/api/v1/surveys/{survey}/results?unit={a}", headers=leader)).json()
    assert r["total"]["respondents"] == 8
    assert [(c["key"], c["suppressed"]) for c in r["children"]] == [(a1, True), ("own", True)]
    heat = (await world.client.get(f"/api/v1/surveys/{survey}/heatmap?unit={a}", headers=leader)).json()
    assert [row["suppressed"] for row in heat["rows"]] == [True, True]
    for fmt in ("csv", "xlsx"):
        x = await world.client.get(
            f"/api/v1/surveys/{survey}/export/results?unit={a}&format={fmt}", headers=leader
        )
        assert x.status_code == 200
    text = (
        await world.client.get(f"/api/v1/surveys/{survey}/export/results?unit={a}", headers=leader)
    ).content
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    shown = {row[0]: row[2] for row in rows[1:]}
    assert (
        shown[f"total:{a}"] == "8"
        and shown[f"child:{a1}"] == "suppressed"
        and shown["child:own"] == "suppressed"
    )
    xlsx = await world.client.get(
        f"/api/v1/surveys/{survey}/export/heatmap?unit={a}&format=xlsx", headers=leader
    )
    assert xlsx.content[:2] == b"PK"  # a zip: an XLSX workbook


async def test_free_text_only_from_units_at_the_comment_threshold(world: World, pool: asyncpg.Pool) -> None:
    survey = await six_split_five_one(world, pool, comment_threshold=6)
    leader = world.auth["leader"].headers()
    shown = await world.client.get(
        f"/api/v1/surveys/{survey}/free-text?unit={world.units['A']}", headers=leader
    )
    assert [t["texts"] for t in shown.json()] == [["食堂饭菜太贵"] * 6]
    other = await published_survey(world, world.units["A"])  # comment threshold 10: 6 answers stay hidden
    for _ in range(6):
        await answer(
            world, other, answer_body(unit=world.units["A1"], q_members="satisfied", q_text="宿舍漏水")
        )
    await release(world, other)
    await settled(pool, other, 6)
    hidden = await world.client.get(
        f"/api/v1/surveys/{other}/free-text?unit={world.units['A']}", headers=leader
    )
    assert hidden.json() == []
    export = await world.client.get(
        f"/api/v1/surveys/{other}/export/free-text?unit={world.units['A']}", headers=leader
    )
    assert "宿舍".encode() not in export.content


async def test_segment_filter_with_enough_on_both_sides_is_answered(world: World, pool: asyncpg.Pool) -> None:
    a, a1 = world.units["A"], world.units["A1"]
    survey = await published_survey(world, a)
    for unit, group, n in ((a1, "youth", 6), (a1, "women", 6), (a, "youth", 5), (a, "women", 2)):
        for _ in range(n):
            await answer(world, survey, answer_body(unit=unit, q_members="satisfied", q_group=group))
    world.client.app.state.clock.advance(minutes=361)
    assert await release(world, survey) == 19
    await settled(pool, survey, 19)
    leader = world.auth["leader"].headers()
    r = await world.client.get(
        f"/api/v1/surveys/{survey}/results?unit={a}&segment=q_group:youth", headers=leader
    )
    body = r.json()
    assert (
        r.status_code == 200
        and body["segment"] == ["q_group", "youth"]
        and body["total"]["respondents"] == 11
    )
    # A's own youth (5) leave a remainder of 2 women at A: that cell is suppressed, and so,
    # complementarily, is A1's youth cell (else 11 − 6 = A's own youth)
    assert {c["key"]: c["suppressed"] for c in body["children"]} == {a1: True, "own": True}


async def test_open_link_is_rate_limited_per_client(world: World) -> None:
    survey = await published_survey(world, world.units["A"])
    statuses = []
    for _ in range(31):
        r = await world.client.post(
            f"/api/v1/public/surveys/{survey}/answers", json=answer_body(unit=world.units["A1"])
        )
        statuses.append(r.status_code)
    assert statuses[:30] == [202] * 30 and statuses[30] == 429


async def fill(world: World, pool: asyncpg.Pool, groups: list[tuple[str, str, int]]) -> str:
    survey = await published_survey(world, world.units["A"])
    total = 0
    for unit, group, n in groups:
        for _ in range(n):
            await answer(
                world, survey, answer_body(unit=world.units[unit], q_members="satisfied", q_group=group)
            )
        total += n
    world.client.app.state.clock.advance(minutes=361)  # every bucket may leave
    await release(world, survey)
    await settled(pool, survey, total)
    return survey


async def test_filter_on_a_part_hidden_to_protect_a_smaller_one_is_refused(
    world: World, pool: asyncpg.Pool
) -> None:
    survey = await fill(world, pool, [("A1", "youth", 5), ("A1", "women", 1), ("A1", "staff", 6)])
    leader, a1 = world.auth["leader"].headers(), world.units["A1"]
    split = (await world.client.get(f"/api/v1/surveys/{survey}/results?unit={a1}", headers=leader)).json()
    assert {c["key"]: c["suppressed"] for c in split["segments"]["q_group"]} == {
        "youth": True,
        "women": True,
        "staff": False,
    }
    # youth alone (5, remainder 7) would pass the simple rule, but 12 − 6 − 5 = the one woman
    r = await world.client.get(
        f"/api/v1/surveys/{survey}/results?unit={a1}&segment=q_group:youth", headers=leader
    )
    assert r.status_code == 422 and r.json()["type"] == "/problems/filter-too-narrow"


async def test_unit_hidden_in_its_parents_table_is_not_shown_on_its_own(
    world: World, pool: asyncpg.Pool
) -> None:
    groups = [("A1", "youth", 6), ("A1", "women", 6), ("A", "youth", 2), ("A", "women", 5)]
    survey = await fill(world, pool, groups)
    leader, a, a1 = world.auth["leader"].headers(), world.units["A"], world.units["A1"]
    at_a = await world.client.get(
        f"/api/v1/surveys/{survey}/results?unit={a}&segment=q_group:youth", headers=leader
    )
    assert at_a.status_code == 200 and at_a.json()["total"]["respondents"] == 8
    assert [c["suppressed"] for c in at_a.json()["children"]] == [True, True]  # A's own 2 youth, and A1
    # asking A1 directly must not give A1's 6 youth: 8 − 6 = A's own 2
    at_a1 = await world.client.get(
        f"/api/v1/surveys/{survey}/results?unit={a1}&segment=q_group:youth", headers=leader
    )
    assert at_a1.status_code == 422
    split = (await world.client.get(f"/api/v1/surveys/{survey}/results?unit={a1}", headers=leader)).json()
    assert {c["key"]: c["suppressed"] for c in split["segments"]["q_group"]}["youth"] is True


async def test_open_link_limit_holds_when_redis_is_down(
    world: World, pool: asyncpg.Pool, settings: Settings
) -> None:
    from litestar.testing import AsyncTestClient

    from services.app import create_app

    survey = await published_survey(world, world.units["A"])
    down = msgspec.structs.replace(settings, redis_url="redis://127.0.0.1:1/0")
    clock = world.client.app.state.clock
    app = create_app(down, clock=clock, ids=SequentialIds())
    path = f"/api/v1/public/surveys/{survey}/answers"
    async with AsyncTestClient(app=app) as client:
        app.state.survey_release_seconds = 0  # this test counts the pool: no release runs
        statuses = [
            (await client.post(path, json=answer_body(unit=world.units["A1"]))).status_code for _ in range(31)
        ]
        assert statuses[:30] == [202] * 30 and statuses[30] == 429
        assert await pool.fetchval("SELECT count(*) FROM survey_pool WHERE survey_id = $1", survey) == 30
        # counted in memory: nothing about the client, keyed or not, is stored anywhere
        assert await pool.fetchval("SELECT count(*) FROM signin_failures") == 0
        clock.advance(minutes=2)  # a minute later the same client may answer again
        assert (await client.post(path, json=answer_body(unit=world.units["A1"]))).status_code == 202
