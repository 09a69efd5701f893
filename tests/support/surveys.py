"""Shared by the survey tests: a survey definition, publishing, answering, releasing."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg

from tests.support.access import World

QUESTIONS: list[dict[str, Any]] = [
    {
        "id": "q_members",
        "kind": "likert",
        "text": {"zh": "成员", "en": "Members"},
        "dimension": "members",
        "required": True,
    },
    {"id": "q_cadres", "kind": "rating5", "text": {"zh": "干部"}, "dimension": "cadres"},
    {"id": "q_nps", "kind": "recommend10", "text": {"zh": "推荐"}, "dimension": "feedback"},
    {
        "id": "q_group",
        "kind": "single",
        "text": {"zh": "群体"},
        "options": [
            {"id": "youth", "text": {"zh": "青年"}},
            {"id": "women", "text": {"zh": "妇女"}},
            {"id": "staff", "text": {"zh": "职工"}},
        ],
    },
    {
        "id": "q_topics",
        "kind": "multiple",
        "text": {"zh": "话题"},
        "options": [{"id": "pay", "text": {"zh": "待遇"}}, {"id": "hours", "text": {"zh": "工时"}}],
    },
    {"id": "q_text", "kind": "text", "text": {"zh": "意见"}, "max_length": 200},
]


async def create_survey(
    world: World, owner: str, access: str = "open", auth: dict[str, str] | None = None
) -> str:
    r = await world.client.post(
        "/api/v1/surveys",
        headers=auth or world.root,
        json={
            "owner_unit_id": owner,
            "title": {"zh": "满意度测评", "en": "Satisfaction"},
            "questions": QUESTIONS,
            "access": access,
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["survey_id"])


async def publish(world: World, survey: str, **manifest: Any) -> dict[str, Any]:
    body = {"k": 5, "comment_threshold": 10, "segment_questions": ["q_group"], **manifest}
    r = await world.client.post(f"/api/v1/surveys/{survey}/publish", headers=world.root, json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def published_survey(world: World, owner: str, access: str = "open", **manifest: Any) -> str:
    survey = await create_survey(world, owner, access)
    await publish(world, survey, **manifest)
    return survey


def answer_body(
    unit: str | None = None, code: str | None = None, sid: str | None = None, **answers: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "submission_id": sid or uuid.uuid4().hex,
        "answers": answers or {"q_members": "satisfied"},
    }
    if unit is not None:
        body["unit_id"] = unit
    if code is not None:
        body["code"] = code
    return body


async def answer(world: World, survey: str, body: dict[str, Any], status: int = 202) -> dict[str, Any]:
    r = await world.client.post(f"/api/v1/public/surveys/{survey}/answers", json=body)
    assert r.status_code == status, r.text
    return dict(r.json())


async def release(world: World, survey: str) -> int:
    r = await world.client.post(f"/api/v1/surveys/{survey}/release", headers=world.root)
    assert r.status_code == 200, r.text
    return int(r.json()["released"])


async def settled(pool: asyncpg.Pool, survey: str, answers: int, timeout: float = 10.0) -> None:
    """Wait until the projections show `answers` recorded answers of the survey (the test's pool:
    the app's own lives in another event loop)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        n = await pool.fetchval(
            "SELECT coalesce(sum(answers), 0) FROM ballot_accounting WHERE survey_id = $1", survey
        )
        lag = await pool.fetchval(
            "SELECT count(*) FROM events e WHERE e.stream_id = $1 AND NOT EXISTS ("
            " SELECT 1 FROM projection_checkpoints c WHERE c.name = 'satisfaction_by_unit'"
            " AND (c.era, c.tx, c.pos) >= (e.era, e.transaction_id::text::bigint, e.position))",
            f"answers-{survey}",
        )
        if n == answers and lag == 0:
            return
        assert asyncio.get_running_loop().time() < deadline, f"projections show {n} answers, not {answers}"
        await asyncio.sleep(0.05)


async def issue_codes(world: World, survey: str, unit: str, count: int) -> list[str]:
    r = await world.client.post(
        f"/api/v1/surveys/{survey}/invitations", headers=world.root, json={"unit_id": unit, "count": count}
    )
    assert r.status_code == 201, r.text
    sheet = await world.client.get(
        f"/api/v1/surveys/{survey}/invitations/{r.json()['issue_id']}/codes.csv", headers=world.root
    )
    assert sheet.status_code == 200, sheet.text
    rows = sheet.content.decode("utf-8-sig").splitlines()[1:]
    codes = [row.split(",")[1] for row in rows]
    world.secrets += codes  # the events scan checks none of them was ever written there
    return codes


async def ballots(world: World, survey: str, unit: str) -> dict[str, dict[str, Any]]:
    r = await world.client.get(
        f"/api/v1/surveys/{survey}/ballots?unit={unit}", headers=world.auth["leader"].headers()
    )
    assert r.status_code == 200, r.text
    return {row["unit_id"]: row for row in r.json()}
