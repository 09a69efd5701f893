"""The demo: loaded through the commands, idempotent, and offered on first start."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from events.store import EventStore
from projections.catalogue import all_projectors
from projections.runner import Runner
from services.app import create_app
from services.demo.cases import CASES
from services.demo.load import load_demo, unit_id
from services.settings import Settings
from tests.support.access import assert_no_secret_in_events
from tests.support.fakes import FixedClock, SequentialIds

pytestmark = pytest.mark.api


@pytest.fixture
async def runner(store: EventStore, dsn: str) -> AsyncIterator[None]:
    """Projections kept current, as the server would (the demo's surveys wait for them)."""
    task = asyncio.create_task(Runner(dsn, store.pool, all_projectors(), poll_seconds=0.05).run())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_demo_twice_loads_once(store: EventStore, clock: FixedClock, runner: None) -> None:
    first = await load_demo(store, clock.now())
    count = await store.pool.fetchval("SELECT count(*) FROM events")
    second = await load_demo(store, clock.now())
    assert first.loaded and first.password and not second.loaded and second.password is None
    assert await store.pool.fetchval("SELECT count(*) FROM events") == count
    kinds = await store.pool.fetch(
        "SELECT data->>'kind' AS kind, count(*) AS n FROM events WHERE type = 'UnitCreated' GROUP BY 1"
    )
    assert {r["kind"] for r in kinds} == {
        "bureau",
        "school",
        "department",
        "union",
        "league",
        "women",
        "other",
    }
    roles = await store.pool.fetch(
        "SELECT DISTINCT data->>'role' AS role FROM events WHERE type = 'RoleGranted'"
    )
    assert {r["role"] for r in roles} == {"admin", "leader", "handler"}
    assert await store.pool.fetchval("SELECT count(*) FROM credentials") == len(first.logins)
    # a year of cases, raised anonymously and worked by the demo handlers
    assert first.cases == len(CASES) and second.cases == 0
    submitted = await store.pool.fetch(
        "SELECT (data->>'at')::timestamptz AS at FROM events WHERE type = 'CaseSubmitted'"
    )
    assert len(submitted) == len(CASES)
    assert max(r["at"] for r in submitted) - min(r["at"] for r in submitted) > timedelta(days=300)
    rated = await store.pool.fetchval("SELECT count(*) FROM events WHERE type = 'CaseRated'")
    assert rated == sum(1 for case in CASES if case[4].endswith("satisfied"))
    # four closed cycles of the 五个好 survey, every answer released into the store
    assert first.answers > 400 and second.answers == 0
    recorded = await store.pool.fetch(
        "SELECT data->>'cycle' AS cycle, count(*) AS n FROM events"
        " WHERE type = 'AnswerRecorded' GROUP BY 1 ORDER BY 1"
    )
    assert [r["cycle"] for r in recorded] == ["1", "2", "3", "4"]
    assert sum(r["n"] for r in recorded) == first.answers
    await assert_no_secret_in_events(store.pool, [first.password])


async def test_demo_on_first_start_loads_and_prints_sign_in(
    settings: Settings, clock: FixedClock, store: EventStore, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = msgspec.structs.replace(settings, demo_on_first_start=True)
    async with AsyncTestClient(app=create_app(demo, clock=clock, ids=SequentialIds())) as client:
        printed = capsys.readouterr().out
        password = re.search(r"password: (\S+)", printed)
        assert password and "青山县农业局" in printed and "leader" in printed
        r = await client.post("/api/v1/auth/sign-in", json={"login": "leader", "password": password.group(1)})
        assert r.status_code == 200
        sub = await client.get(f"/api/v1/units/{unit_id('school')}/subtree")
        for _ in range(500):  # the runner has just started: let unit_tree catch up
            if sub.status_code == 200:
                break
            await asyncio.sleep(0.02)
            sub = await client.get(f"/api/v1/units/{unit_id('school')}/subtree")
        assert "学校工会" in [u["name"] for u in sub.json()]
    count = await store.pool.fetchval("SELECT count(*) FROM events")
    async with AsyncTestClient(app=create_app(demo, clock=clock, ids=SequentialIds())):
        assert "demo data loaded" not in capsys.readouterr().out  # only on the first start
    assert await store.pool.fetchval("SELECT count(*) FROM events") == count
