"""Anonymity: after answers are released, no table — columns or system columns — ties an
answer to an invitation code, a client, or its arrival order; times are release times."""

from __future__ import annotations

import json

import asyncpg
import pytest

from tests.support.access import World, settings, world
from tests.support.surveys import (
    answer,
    answer_body,
    issue_codes,
    publish,
    published_survey,
    release,
    settled,
)

pytestmark = pytest.mark.api
__all__ = ["settings", "world"]
N = 40


async def dump(pool: asyncpg.Pool) -> dict[str, list[tuple[str, str, str]]]:
    """Every row of every table, with xmin and ctid beside its text."""
    out = {}
    for t in await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"):
        name = t["tablename"]
        rows = await pool.fetch(f'SELECT xmin::text AS x, ctid::text AS c, t::text AS body FROM "{name}" t')
        out[name] = [(r["x"], r["c"], r["body"]) for r in rows]
    return out


def spearman(order: list[int]) -> float:
    n = len(order)
    d2 = sum((rank - value) ** 2 for rank, value in enumerate(order))
    return 1 - 6 * d2 / (n * (n * n - 1))


async def test_released_answers_carry_no_code_client_or_arrival_order(
    world: World, pool: asyncpg.Pool
) -> None:
    clock = world.client.app.state.clock
    survey = await published_survey(world, world.units["A"], "code")
    codes = await issue_codes(world, survey, world.units["A1"], N)
    for i, code in enumerate(codes):
        clock.advance(seconds=7)  # arrivals at distinct, known times
        await answer(world, survey, answer_body(code=code, q_members="satisfied", q_text=f"意见{i:02d}"))
    released_at = clock.advance(minutes=1)
    assert await release(world, survey) == N
    await settled(pool, survey, N)

    rows = await pool.fetch(
        "SELECT xmin::text AS x, ctid::text AS c, data, recorded_at FROM events"
        " WHERE stream_id = $1 ORDER BY position",
        f"answers-{survey}",
    )
    bodies = [json.loads(r["data"]) for r in rows]
    by_position = [int(b["values"]["q_text"][2:]) for b in bodies]
    by_ctid = [
        int(json.loads(r["data"])["values"]["q_text"][2:])
        for r in sorted(rows, key=lambda r: tuple(map(int, r["c"].strip("()").split(","))))
    ]
    assert sorted(by_position) == list(range(N))
    for order in (by_position, by_ctid):  # a random order: |rho| > 0.6 has odds far below 1e-4
        assert abs(spearman(order)) < 0.6, order
    assert {b["released_at"] for b in bodies} == {released_at.isoformat().replace("+00:00", "Z")}
    assert len({r["x"] for r in rows}) == 1 and len({r["recorded_at"] for r in rows}) == 1
    assert all(
        set(b) == {"type", "survey_id", "cycle", "unit_id", "answer_id", "values", "released_at"}
        for b in bodies
    )

    tables = await dump(pool)
    code_hashes = {r["h"] for r in await pool.fetch("SELECT encode(code_hash, 'hex') AS h FROM survey_codes")}
    redeemed_xmins = {x for x, _, _ in tables["survey_codes"]} | {
        x for x, _, _ in tables["survey_submissions"]
    }
    answer_xmins = {r["x"] for r in rows}
    assert not answer_xmins & redeemed_xmins  # released in its own transaction
    for name, table in tables.items():
        text = "\n".join(body for _, _, body in table)
        assert "testclient" not in text and "python-httpx" not in text, name  # no address, no user agent
        assert not any(code in text for code in codes), name
        if name != "survey_codes":
            assert not any(h in text for h in code_hashes), name
        if "意见" in text:  # a table holding answers: no arrival time, nothing shared with redemptions
            assert not {x for x, _, _ in table} & redeemed_xmins, name
    assert tables["survey_pool"] == [] and tables["survey_pool_buckets"] == []


async def test_sealed_pool_rows_all_have_one_length(world: World, pool: asyncpg.Pool) -> None:
    """Else a dead pool tuple (arrival xmin) could be paired with its released answer by size."""
    survey = await published_survey(world, world.units["A"])
    for text in ("短", "这是一条很长很长的意见" * 15):
        await answer(world, survey, answer_body(unit=world.units["A1"], q_members="satisfied", q_text=text))
    await answer(world, survey, answer_body(unit=world.units["A1"], q_members="unknown"))
    assert await pool.fetchval("SELECT count(DISTINCT length(sealed)) FROM survey_pool") == 1


async def test_a_cycle_published_before_the_tighter_padding_keeps_one_sealed_length(
    world: World, pool: asyncpg.Pool
) -> None:
    """Migration 0021 marks the cycles published before it with the old bound (6 bytes a
    free-text character): their answers, old and new, seal to the old length until the
    next publication. A cycle published now pads to the tighter bound."""
    from services.surveys.intake.forms import forget

    survey = await published_survey(world, world.units["A"])
    body = answer_body(unit=world.units["A1"], q_members="satisfied", q_text="短")
    await answer(world, survey, body)
    tight = await pool.fetchval("SELECT length(sealed) FROM survey_pool WHERE survey_id = $1", survey)
    await pool.execute("DELETE FROM survey_pool WHERE survey_id = $1", survey)
    await pool.execute("UPDATE survey_intake SET pad_bytes_per_char = 6 WHERE survey_id = $1", survey)
    forget(survey)  # the form cache would keep the bound for up to two seconds
    for text in ("短", "长" * 200):  # the shortest and the longest the question takes
        await answer(world, survey, answer_body(unit=world.units["A1"], q_members="satisfied", q_text=text))
    lengths = [r["n"] for r in await pool.fetch("SELECT length(sealed) AS n FROM survey_pool")]
    assert len(lengths) == 2 and len(set(lengths)) == 1 and lengths[0] > tight
    # closing releases the cycle; its next publication pads to the tighter bound again
    r = await world.client.post(f"/api/v1/surveys/{survey}/close", headers=world.root)
    assert r.status_code == 200, r.text
    await publish(world, survey)
    pad = "SELECT pad_bytes_per_char FROM survey_intake WHERE survey_id = $1"
    assert await pool.fetchval(pad, survey) == 4
