"""Rates equal a hand count before and after a rebuild; the scheduler's marks and escalations
happen exactly once; ranking, exports, the calendar and contact erasure."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest

from events.base import Checkpoint
from events.store import EventStore, Expect
from projections.rebuild import rebuild
from projections.runner import wait_for
from services.cases import scheduler
from tests.api.cases.seed import MON, history
from tests.api.cases.support import case_id_of, raise_case, receipt, step
from tests.support.access import World, sign_in
from tests.support.helpers import new

pytestmark = pytest.mark.api
CASE_PROJECTIONS = ["case_timeline", "open_issue_queue", "resolution_rates"]


async def seed(store: EventStore, pool: asyncpg.Pool, unit: str, n: int = 30) -> list[Any]:
    seeded, last = [history(i, unit) for i in range(n)], None
    for i, s in enumerate(seeded):
        last = await store.append(f"case-seed{i}", new(*s.events), Expect.NO_STREAM)
    assert last is not None and await wait_for(pool, CASE_PROJECTIONS, last.checkpoint, timeout=15)
    return seeded


def by_hand(seeded: list[Any]) -> dict[str, tuple[int, int]]:
    accepted = [s for s in seeded if s.counts_for_response]
    rated = [s for s in seeded if s.rated]
    return {
        "response_rate": (sum(s.in_time for s in accepted), len(accepted)),
        "resolution_rate": (sum(s.solved for s in rated), len(rated)),
        "satisfaction_rate": (
            sum(s.satisfaction in ("satisfied", "basically_satisfied") for s in rated),
            len(rated),
        ),
    }


async def rates(w: World, unit: str) -> dict[str, Any]:
    r = await w.client.get(
        f"/api/v1/rates?unit={unit}&start=2026-03&end=2026-03", headers=w.auth["leader"].headers()
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_thirty_cases_give_the_hand_counted_rates_before_and_after_a_rebuild(
    world: World, store: EventStore, pool: asyncpg.Pool, dsn: str
) -> None:
    seeded = await seed(store, pool, world.units["A1"])
    expected = by_hand(seeded)
    assert expected["response_rate"] == (18, 21) and expected["satisfaction_rate"] == (6, 9)
    before = await rates(world, world.units["A"])
    for name, (num, den) in expected.items():
        assert (before[name]["numerator"], before[name]["denominator"]) == (num, den), name
        assert before[name]["value"] == round(num / den, 4) and "÷" in before[name]["formula"]
    assert before["return_rate"]["numerator"] == 3 and before["redo_rate"]["numerator"] == 3
    from projections.catalogue import all_projectors

    for p in all_projectors():
        if p.name in CASE_PROJECTIONS:
            await rebuild(dsn, p)
    assert await rates(world, world.units["A"]) == before
    outside = await world.client.get(
        f"/api/v1/rates?unit={world.units['B']}", headers=world.auth["leader"].headers()
    )
    assert outside.status_code == 404


async def test_ranking_leaves_out_units_with_too_few_rated_cases(
    world: World, store: EventStore, pool: asyncpg.Pool
) -> None:
    await seed(store, pool, world.units["A1"], n=20)  # 6 rated cases in A1
    r = await world.client.get(
        f"/api/v1/ranking?unit={world.units['A']}&period=2026-03", headers=world.auth["leader"].headers()
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [row["unit_id"] for row in body["red"]] == [world.units["A1"]] and body["min_rated"] == 5
    r = await world.client.get(
        f"/api/v1/ranking?unit={world.units['R']}&period=2026-03", headers=world.auth["root"].headers()
    )
    assert r.status_code == 403  # root is an admin, not a leader


async def later(w: World, clock: Any, when: Any) -> None:
    """Move the clock; sessions expire meanwhile, so staff sign in again."""
    clock.current = when
    for role in ("handler", "leader"):
        w.auth[role] = await sign_in(w, role)


async def tick(store: EventStore, clock: Any) -> int:
    """One scheduler pass on the test's pool (the app serves in its own event loop), then
    wait until the case projections have seen what it wrote."""
    changed = await scheduler.tick(SimpleNamespace(pool=store.pool, store=store), clock)
    head = await store.pool.fetchrow(
        "SELECT era, transaction_id::text::bigint AS tx, position FROM events"
        " ORDER BY era DESC, transaction_id DESC, position DESC LIMIT 1"
    )
    assert await wait_for(store.pool, CASE_PROJECTIONS, Checkpoint(head["era"], head["tx"], head["position"]))
    return changed


async def test_due_soon_then_overdue_with_exactly_one_escalation(
    world: World, clock: Any, store: EventStore
) -> None:
    w = world
    clock.current = MON  # a Monday 10:00: accepting is due Tuesday 10:00
    await raise_case(w, w.units["A1"])
    case_id = await case_id_of(w)
    await later(w, clock, MON + timedelta(hours=23))
    assert await tick(store, clock) == 1  # 即将到期
    assert await tick(store, clock) == 0
    queue = (await w.client.get("/api/v1/queue", headers=w.auth["handler"].headers())).json()
    assert isinstance(queue, list), queue
    assert queue[0]["badges"] == ["due_soon"]
    await later(w, clock, MON + timedelta(days=1, minutes=1))
    assert await tick(store, clock) == 2  # 逾期, and 督办 once
    assert await tick(store, clock) == 0
    view = (await w.client.get(f"/api/v1/cases/{case_id}", headers=w.auth["leader"].headers())).json()
    kinds = [t["type"] for t in view["timeline"]]
    assert kinds.count("CaseBreached") == 1 and kinds.count("CaseEscalated") == 1 and view["escalated"]
    queue = (await w.client.get("/api/v1/queue", headers=w.auth["handler"].headers())).json()
    assert set(queue[0]["badges"]) == {"overdue", "escalated"}


async def test_a_resolved_case_left_unrated_closes_when_the_window_passes(
    world: World, clock: Any, store: EventStore
) -> None:
    w = world
    clock.current = MON
    code = await raise_case(w, w.units["A1"])
    case_id = await case_id_of(w)
    for op, body in (
        ("accept", {}),
        ("assign", {"unit_id": w.units["A1"]}),
        ("sign", {}),
        ("answer", {"text": "已处理"}),
        ("resolve", {"text": "办结"}),
    ):
        assert (await step(w, case_id, op, body)).status_code == 200
    clock.current = MON + timedelta(days=6)
    await tick(store, clock)
    assert (await receipt(w, code)).json()["status"] == "resolved"
    clock.current = MON + timedelta(days=7, minutes=1)
    await tick(store, clock)
    assert (await receipt(w, code)).json()["status"] == "closed"


async def test_exports_carry_the_same_numbers(world: World, store: EventStore, pool: asyncpg.Pool) -> None:
    await seed(store, pool, world.units["A1"], n=10)
    leader = world.auth["leader"].headers()
    csv = await world.client.get(
        f"/api/v1/exports/rates/csv?unit={world.units['A']}&start=2026-03", headers=leader
    )
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "response_rate" in csv.text and "÷" in csv.text
    xlsx = await world.client.get("/api/v1/exports/queue/xlsx", headers=leader)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"  # a zip container: XLSX


async def test_declared_holiday_moves_due_times_and_erasure_leaves_the_case(world: World, clock: Any) -> None:
    w = world
    clock.current = MON
    r = await w.client.post(
        "/api/v1/calendar/days", headers=w.root, json={"day": "2026-03-03", "workday": False, "note": "校庆"}
    )
    assert r.status_code == 200, r.text
    await raise_case(w, w.units["A1"], contact="张老师 13800000000")
    case_id = await case_id_of(w)
    view = (await w.client.get(f"/api/v1/cases/{case_id}", headers=w.auth["handler"].headers())).json()
    assert view["due"]["accept"] == "2026-03-04T10:00:00+08:00"  # Wednesday: Tuesday is off
    assert view["contact"] == "张老师 13800000000" and not view["anonymous"]
    erased = await w.client.post(f"/api/v1/cases/{case_id}/erase-contact", headers=w.root, json={})
    assert erased.status_code == 200 and erased.json()["erased"] is True
    view = (await w.client.get(f"/api/v1/cases/{case_id}", headers=w.auth["handler"].headers())).json()
    assert view["contact"] == "[erased]" and view["status"] == "submitted"


async def test_the_cli_exports_the_same_rates_as_the_api(
    world: World, store: EventStore, pool: asyncpg.Pool, dsn: str, tmp_path: Any
) -> None:
    import argparse
    import csv

    from services.cases import cli_export

    await seed(store, pool, world.units["A1"], n=10)
    api = await rates(world, world.units["A"])
    out = tmp_path / "rates.csv"
    args = argparse.Namespace(
        table="rates", unit=world.units["A"], start="2026-03", end=None, format="csv", out=str(out)
    )
    assert await cli_export.run(dsn, args) == 0
    rows = {r[0]: r for r in csv.reader(out.read_text(encoding="utf-8-sig").splitlines())}
    assert rows["response_rate"][3] == str(api["response_rate"]["denominator"])
    assert float(rows["satisfaction_rate"][1]) == api["satisfaction_rate"]["value"]
