"""Invitation codes: one-time, per unit, ballot accounting always consistent."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from services.surveys.intake.release import release_pool
from tests.support.access import World, settings, world
from tests.support.surveys import (
    answer,
    answer_body,
    ballots,
    issue_codes,
    published_survey,
    release,
    settled,
)

pytestmark = pytest.mark.api
__all__ = ["settings", "world"]


async def test_code_survey_journey_counts_ballots_per_unit(world: World, pool: asyncpg.Pool) -> None:
    a, a1 = world.units["A"], world.units["A1"]
    survey = await published_survey(world, a, "code")
    codes = await issue_codes(world, survey, a1, 6)
    assert len(set(codes)) == 6
    for code in codes[:5]:
        await answer(world, survey, answer_body(code=code))
    used = await answer(world, survey, answer_body(code=codes[0]), status=403)
    assert used["type"] == "/problems/invitation-not-valid"
    unknown = await answer(world, survey, answer_body(code="AAAA-BBBB-CCCC-DDDD"), status=403)
    assert unknown == used  # a guesser can't tell a used code from a made-up one
    row = (await ballots(world, survey, a))[a1]
    assert (row["issued"], row["redeemed"], row["waiting"], row["recorded"]) == (6, 5, 5, 0)
    assert await release(world, survey) == 5
    await settled(pool, survey, 5)
    row = (await ballots(world, survey, a))[a1]
    assert (row["issued"], row["redeemed"], row["waiting"], row["recorded"], row["consistent"]) == (
        6,
        5,
        0,
        5,
        True,
    )


async def test_concurrent_redemption_of_one_code_has_one_winner(world: World) -> None:
    survey = await published_survey(world, world.units["A"], "code")
    [code] = await issue_codes(world, survey, world.units["A1"], 1)
    tries = [
        world.client.post(f"/api/v1/public/surveys/{survey}/answers", json=answer_body(code=code))
        for _ in range(8)
    ]
    statuses = sorted(r.status_code for r in await asyncio.gather(*tries))
    assert statuses == [202] + [403] * 7


async def test_retry_of_a_submission_records_one_answer(world: World, pool: asyncpg.Pool) -> None:
    survey = await published_survey(world, world.units["A"], "code")
    codes = await issue_codes(world, survey, world.units["A1"], 5)
    sid = uuid.uuid4().hex
    first = await answer(world, survey, answer_body(code=codes[0], sid=sid))
    again = await answer(world, survey, answer_body(code=codes[0], sid=sid))
    assert first["status"] == "accepted" and again["status"] == "duplicate"
    assert await pool.fetchval("SELECT count(*) FROM survey_pool WHERE survey_id = $1", survey) == 1


async def test_crash_during_release_loses_nothing_and_doubles_nothing(
    world: World, pool: asyncpg.Pool
) -> None:
    a1 = world.units["A1"]
    survey = await published_survey(world, world.units["A"], "code")
    codes = await issue_codes(world, survey, a1, 5)
    sids = [uuid.uuid4().hex for _ in codes]
    for code, sid in zip(codes, sids, strict=True):
        await answer(world, survey, answer_body(code=code, sid=sid))
    secret = world.client.app.state.settings.secret_key.encode()

    class Crash(Exception):
        pass

    with pytest.raises(Crash):  # the release's transaction dies after appending, before commit
        async with pool.acquire() as conn, conn.transaction():
            assert (
                await release_pool(
                    conn, secret, survey, None, world.client.app.state.clock.now(), uuid.uuid4()
                )
                == 5
            )
            raise Crash()
    assert await pool.fetchval("SELECT count(*) FROM survey_pool WHERE survey_id = $1", survey) == 5
    assert await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", f"answers-{survey}") == 0
    for code, sid in zip(codes, sids, strict=True):  # clients retrying meanwhile add nothing
        assert (await answer(world, survey, answer_body(code=code, sid=sid)))["status"] == "duplicate"
    assert await release(world, survey) == 5
    assert await release(world, survey) == 0
    await settled(pool, survey, 5)
    row = (await ballots(world, survey, world.units["A"]))[a1]
    assert row["recorded"] == row["redeemed"] == 5 and row["issued"] == 5


async def test_printable_sheet_has_a_qr_code_per_invitation(world: World) -> None:
    survey = await published_survey(world, world.units["A"], "code")
    r = await world.client.post(
        f"/api/v1/surveys/{survey}/invitations",
        headers=world.root,
        json={"unit_id": world.units["A1"], "count": 3},
    )
    sheet = await world.client.get(
        f"/api/v1/surveys/{survey}/invitations/{r.json()['issue_id']}/sheet", headers=world.root
    )
    assert sheet.status_code == 200 and sheet.text.count("data:image/svg+xml") == 3


async def test_response_rates_against_headcount_and_codes_issued(world: World, pool: asyncpg.Pool) -> None:
    a, a1 = world.units["A"], world.units["A1"]
    r = await world.client.post(f"/api/v1/units/{a1}/headcount", headers=world.root, json={"headcount": 10})
    assert r.status_code == 200
    survey = await published_survey(world, a, "code")
    codes = await issue_codes(world, survey, a1, 8)
    for code in codes[:5]:
        await answer(world, survey, answer_body(code=code))
    await release(world, survey)
    await settled(pool, survey, 5)
    rates = await world.client.get(
        f"/api/v1/surveys/{survey}/response-rates?unit={a}", headers=world.auth["leader"].headers()
    )
    by_unit = {row["unit_id"]: row for row in rates.json()}
    assert (by_unit[a1]["respondents"], by_unit[a1]["headcount"], by_unit[a1]["codes_issued"]) == (5, 10, 8)
    assert by_unit[a1]["of_headcount"] == 0.5 and by_unit[a1]["of_codes"] == 0.625
    assert by_unit[a]["respondents"] == 5 and by_unit[a]["codes_issued"] == 8
    csv_link = await world.client.get(
        f"/api/v1/surveys/{survey}/invitations?unit={a1}", headers=world.auth["admin"].headers()
    )
    assert csv_link.status_code == 200 and csv_link.json()[0]["redeemed"] == 5
