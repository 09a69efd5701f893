"""A small world for the browser tests, made through the real HTTP API of the live server:
R (bureau) → A (school) → A1 (教务处), A2 (后勤处), A3 (图书馆); one account per role on A."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from events.store import EventStore
from services.access.bootstrap import create_admin
from tests.support.surveys import QUESTIONS

PASSWORD = "correct horse battery staple"


@dataclass
class Seed:
    http: httpx.AsyncClient
    units: dict[str, str] = field(default_factory=dict)
    root: dict[str, str] = field(default_factory=dict)  # headers of the signed-in root admin

    async def post(self, path: str, body: Any) -> Any:
        r = await self.http.post(path, json=body, headers=self.root)
        assert r.status_code in (200, 201, 202), r.text
        return r.json()


async def sign_in_headers(http: httpx.AsyncClient, login: str) -> dict[str, str]:
    r = await http.post("/api/v1/auth/sign-in", json={"login": login, "password": PASSWORD})
    assert r.status_code == 200, r.text
    http.cookies.clear()
    return {"Cookie": f"qs_session={r.cookies['qs_session']}", "X-CSRF-Token": r.json()["csrf_token"]}


async def seed_world(base_url: str, store: EventStore) -> Seed:
    http = httpx.AsyncClient(base_url=base_url, timeout=20)
    _, root = await create_admin(
        store, login="root", display_name="Root", password=PASSWORD, now=datetime.now(UTC), unit_name="农业局"
    )
    seed = Seed(http, {"R": root})
    seed.root = await sign_in_headers(http, "root")
    for key, parent, name, kind, heads in (
        ("A", "R", "第一中学", "school", 40),
        ("A1", "A", "教务处", "department", 12),
        ("A2", "A", "后勤处", "department", 8),
        ("A3", "A", "图书馆", "department", 6),
    ):
        body = {"parent_id": seed.units[parent], "name": name, "kind": kind, "headcount": heads}
        seed.units[key] = (await seed.post("/api/v1/units", body))["unit"]["unit_id"]
    for login, name, role in (
        ("handler", "王老师", "handler"),
        ("leader", "李书记", "leader"),
        ("admin", "张主任", "admin"),
    ):
        account = await seed.post(
            "/api/v1/accounts",
            {"login": login, "display_name": name, "unit_id": seed.units["A"], "password": PASSWORD},
        )
        await seed.post(
            f"/api/v1/accounts/{account['account_id']}/roles", {"unit_id": seed.units["A"], "role": role}
        )
    return seed


async def coded_survey(seed: Seed, codes: dict[str, int]) -> tuple[str, dict[str, list[str]]]:
    """A published invitation-code survey owned by A (k = 5) and its codes per unit key."""
    survey = await seed.post(
        "/api/v1/surveys",
        {
            "owner_unit_id": seed.units["A"],
            "title": {"zh": "2026年度满意度测评", "en": "2026 satisfaction survey"},
            "questions": QUESTIONS,
            "access": "code",
        },
    )
    survey_id = survey["survey_id"]
    await seed.post(f"/api/v1/surveys/{survey_id}/publish", {"k": 5, "comment_threshold": 10})
    out: dict[str, list[str]] = {}
    for key, n in codes.items():
        issue = await seed.post(
            f"/api/v1/surveys/{survey_id}/invitations", {"unit_id": seed.units[key], "count": n}
        )
        r = await seed.http.get(
            f"/api/v1/surveys/{survey_id}/invitations/{issue['issue_id']}/codes.csv", headers=seed.root
        )
        rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
        out[key] = [row["code"] for row in rows]
    return survey_id, out
