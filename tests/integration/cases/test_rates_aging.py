"""Aging buckets of open cases per subtree equal a hand count — as cases move between units,
end, and as units move in the tree — and the open cases per unit equal the queue after a
rebuild."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
import pytest

from events import cases as ev
from events import units as uv
from events.base import Event
from events.store import EventStore, Expect
from projections.open_issue_queue import OpenIssueQueue
from projections.rebuild import rebuild
from projections.resolution_rates import ResolutionRates
from projections.runner import wait_for
from projections.unit_tree import UnitTree
from services.cases.calendar import TZ
from services.cases.rates import resolution_rates
from tests.support.helpers import new
from tests.support.running import running

pytestmark = pytest.mark.integration
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=TZ)
PROJECTORS = [UnitTree(), OpenIssueQueue(), ResolutionRates()]
TREE = [("root", None), ("a", "root"), ("a1", "a"), ("b", "root")]


def raised(case_id: str, unit: str, age: timedelta) -> ev.CaseSubmitted:
    return ev.CaseSubmitted(
        case_id=case_id, kind="suggestion", unit_id=unit, text="食堂", urgency="normal", at=NOW - age
    )


def days(d: float, minutes: int = 0) -> timedelta:
    return timedelta(days=d, minutes=minutes)


async def append_all(
    dsn: str, pool: asyncpg.Pool, store: EventStore, streams: dict[str, list[Event]]
) -> None:
    last = None
    for stream, events in streams.items():
        version = await store.read_stream(stream)
        expect = len(version) if version else Expect.NO_STREAM
        last = await store.append(stream, new(*events), expect)
    assert last is not None
    async with running(dsn, pool, PROJECTORS):
        assert await wait_for(pool, [p.name for p in PROJECTORS], last.checkpoint, timeout=10)


async def aging(pool: asyncpg.Pool, unit: str) -> tuple[int, dict[str, int]]:
    r = await resolution_rates(pool, unit, unit, "2026-03", "2026-03", NOW)
    return r.open_cases, r.aging


async def by_unit(pool: asyncpg.Pool) -> dict[str, int]:
    counted = {r[0]: r[1] for r in await pool.fetch("SELECT * FROM open_issue_queue_by_unit")}
    queue = {
        r[0]: r[1] for r in await pool.fetch("SELECT unit_id, count(*) FROM open_issue_queue GROUP BY 1")
    }
    assert counted == queue
    return counted


async def test_aging_buckets_follow_cases_and_units_exactly_at_the_day_boundaries(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    tree: dict[str, list[Event]] = {
        uv.stream(u): [uv.UnitCreated(unit_id=u, parent_id=p, name=u, kind="other")] for u, p in TREE
    }
    cases: dict[str, list[Event]] = {
        "case-young": [raised("young", "a1", days(3, -1))],  # 2 days 23:59 old: 0-2
        "case-three": [raised("three", "a1", days(3, 1))],  # 3-7
        "case-eight": [raised("eight", "a", days(8))],  # exactly 8 days: 8-15
        "case-fifteen": [raised("fifteen", "a1", days(16, -1))],  # 8-15
        "case-old": [raised("old", "a1", days(16))],  # exactly 16 days: >15
        "case-older": [raised("older", "a", days(40))],  # >15
        "case-b": [raised("b", "b", days(1))],
        "case-ended": [
            raised("ended", "a1", days(1)),
            ev.CaseDeclined(reason="out_of_scope", text="x", at=NOW),
        ],
    }
    await append_all(dsn, pool, store, {**tree, **cases})
    assert await aging(pool, "a") == (6, {"0-2": 1, "3-7": 1, "8-15": 2, ">15": 2})
    assert await aging(pool, "root") == (7, {"0-2": 2, "3-7": 1, "8-15": 2, ">15": 2})
    assert await by_unit(pool) == {"a1": 4, "a": 2, "b": 1}

    # The case raised in b is assigned to a1; one in a1 ends; a1 moves under b.
    await append_all(
        dsn,
        pool,
        store,
        {
            "case-b": [
                ev.CaseAccepted(kind="suggestion", urgency="normal", at=NOW),
                ev.CaseAssigned(unit_id="a1", at=NOW),
            ],
            "case-old": [ev.CaseWithdrawn(at=NOW)],
        },
    )
    assert await aging(pool, "a") == (6, {"0-2": 2, "3-7": 1, "8-15": 2, ">15": 1})
    assert await aging(pool, "b") == (0, {"0-2": 0, "3-7": 0, "8-15": 0, ">15": 0})
    await append_all(
        dsn,
        pool,
        store,
        {uv.stream("a1"): [uv.UnitMoved(unit_id="a1", parent_id="b", previous_parent_id="a")]},
    )
    assert await aging(pool, "b") == (4, {"0-2": 2, "3-7": 1, "8-15": 1, ">15": 0})
    assert await aging(pool, "a") == (2, {"0-2": 0, "3-7": 0, "8-15": 1, ">15": 1})
    before = await by_unit(pool)
    assert before == {"a1": 4, "a": 2}

    await rebuild(dsn, OpenIssueQueue(), batch_size=2)  # other batches than the live runner's
    assert await by_unit(pool) == before
    assert await aging(pool, "root") == (6, {"0-2": 2, "3-7": 1, "8-15": 2, ">15": 1})
