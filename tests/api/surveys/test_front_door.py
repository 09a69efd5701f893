"""The intake's front door (services/surveys/intake/front.py) answers every request exactly
as the Litestar route it stands in for: status, problem+json body, security headers, metric."""

from __future__ import annotations

import re
import uuid
from typing import Any

import asyncpg
import pytest

from tests.support.access import World, settings, world
from tests.support.surveys import answer_body, published_survey

pytestmark = pytest.mark.api
__all__ = ["settings", "world"]

COMPARED = (
    "content-type",
    "cache-control",
    "x-content-type-options",
    "referrer-policy",
    "x-frame-options",
    "cross-origin-opener-policy",
    "content-security-policy",
    "retry-after",
)


def requests(survey: str, unit: str, sid: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, path, httpx keyword arguments) — one of each way an answer can go."""
    path = f"/api/v1/public/surveys/{survey}/answers"
    good = answer_body(unit, sid=sid)
    return [
        ("accepted", path, {"json": good}),
        ("retry", path, {"json": good}),
        ("off the scale", path, {"json": answer_body(unit, q_members="very")}),
        ("unknown field", path, {"json": {**answer_body(unit), "ip": "1.2.3.4"}}),
        ("not json", path, {"content": b"{", "headers": {"content-type": "application/json"}}),
        ("not a json type", path, {"content": b"{}", "headers": {"content-type": "text/plain"}}),
        ("too large", path, {"content": b" " * (65 * 1024), "headers": {"content-type": "application/json"}}),
        ("cross-site", path, {"json": answer_body(unit), "headers": {"origin": "https://elsewhere.example"}}),
        ("unknown survey", "/api/v1/public/surveys/nope/answers", {"json": answer_body(unit)}),
        ("unknown unit", path, {"json": answer_body("nowhere")}),
    ]


async def answers_both_ways(world: World, survey: str, unit: str) -> dict[bool, list[tuple[Any, ...]]]:
    app = world.client.app
    seen: dict[bool, list[tuple[Any, ...]]] = {}
    for door in (True, False):
        app.front_door = door  # type: ignore[attr-defined]
        sid = uuid.uuid4().hex
        seen[door] = []
        for label, path, kwargs in requests(survey, unit, sid):
            r = await world.client.post(path, **kwargs)
            headers = {name: r.headers.get(name) for name in COMPARED}
            seen[door].append((label, r.status_code, r.json(), headers))
    app.front_door = True  # type: ignore[attr-defined]
    return seen


async def test_every_answer_and_refusal_is_the_same_through_the_door_or_the_router(
    world: World, pool: asyncpg.Pool
) -> None:
    survey = await published_survey(world, world.units["A"])
    seen = await answers_both_ways(world, survey, world.units["A1"])
    assert seen[True] == seen[False]
    statuses = {label: status for label, status, _, _ in seen[True]}
    assert statuses == {
        "accepted": 202,
        "retry": 202,
        "off the scale": 422,
        "unknown field": 422,
        "not json": 422,
        "not a json type": 415,
        "too large": 413,
        "cross-site": 403,
        "unknown survey": 404,
        "unknown unit": 422,
    }
    bodies = {label: body for label, _, body, _ in seen[True]}
    assert bodies["accepted"]["status"] == "accepted" and bodies["retry"]["status"] == "duplicate"
    refused = [h["content-type"] for label, status, _, h in seen[True] if status >= 400]
    assert set(refused) == {"application/problem+json"}
    assert all(h["content-security-policy"] and h["x-frame-options"] == "DENY" for *_, h in seen[True])
    # one answer per way: the retries and refusals stored nothing
    assert await pool.fetchval("SELECT count(*) FROM survey_submissions") == 2


async def test_answers_taken_at_the_door_are_timed_under_the_routes_template(world: World) -> None:
    survey = await published_survey(world, world.units["A"])
    before = await _answers_timed(world)
    path = f"/api/v1/public/surveys/{survey}/answers"
    for _ in range(3):
        assert (await world.client.post(path, json=answer_body(world.units["A1"]))).status_code == 202
    r = await world.client.post(path, content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 422
    after = await _answers_timed(world)
    assert after.get("202", 0) - before.get("202", 0) == 3
    assert after.get("422", 0) - before.get("422", 0) == 1


async def _answers_timed(world: World) -> dict[str, float]:
    """Requests timed under the route's template, by status, from /metrics."""
    text = (await world.client.get("/metrics")).text
    route = 'route="/api/v1/public/surveys/{survey_id:str}/answers"'
    counts = {}
    for line in text.splitlines():
        timed = line.startswith("qs_http_request_duration_seconds_count{")
        if timed and route in line and 'method="POST"' in line:
            status = re.search(r'status="(\d+)"', line)
            assert status is not None
            counts[status[1]] = float(line.rsplit(" ", 1)[1])
    return counts
