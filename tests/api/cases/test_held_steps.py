"""Steps decided from what the process holds (services/cases/held.py): taken in one round
trip while nothing changed, and the usual way — read, then decide — the moment anything
their decision rests on did: the caller's account, the case's stream, its units' paths."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from events.cases import MessagePosted
from events.store import EventStore
from services.cases import held
from services.cases.handle import stream
from tests.api.cases.support import case_id_of, raise_case, step
from tests.support.access import World
from tests.support.fakes import FixedClock
from tests.support.helpers import new

pytestmark = pytest.mark.api
NOTE = {"visibility": "internal", "text": "核实中"}


async def steps_taken(w: World) -> dict[str, float]:
    """qs_case_steps_total by how the state was had, from /metrics (missed: a held attempt
    that found something changed and read after all)."""
    counts = {"held": 0.0, "read": 0.0, "missed": 0.0}
    for line in (await w.client.get("/metrics")).text.splitlines():
        for state in counts:
            if line.startswith(f'qs_case_steps_total{{state="{state}"}}'):
                counts[state] = float(line.rsplit(" ", 1)[1])
    return counts


async def events_of(pool: asyncpg.Pool, case_id: str) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", stream(case_id)))


async def accepted_case(w: World) -> str:
    """A case raised at A1 and accepted by the handler (a read: the process held nothing)."""
    await raise_case(w, w.units["A1"])
    case_id = await case_id_of(w)
    assert (await step(w, case_id, "accept")).status_code == 200
    return case_id


async def noted(w: World, case_id: str) -> tuple[int, dict[str, float]]:
    before = await steps_taken(w)
    r = await step(w, case_id, "messages", NOTE)
    after = await steps_taken(w)
    return r.status_code, {k: after[k] - before[k] for k in after}


async def test_a_run_of_steps_is_held_after_the_first_and_every_step_lands_in_order(
    world: World, pool: asyncpg.Pool
) -> None:
    w = world
    case_id = await accepted_case(w)  # read: nothing held yet
    answers = []
    for i in range(5):
        before = await steps_taken(w)
        answers.append(await step(w, case_id, "messages", {"visibility": "internal", "text": f"第{i}条"}))
        assert (await steps_taken(w))["held"] - before["held"] == 1
    assert [a.json()["version"] for a in answers] == [3, 4, 5, 6, 7]
    texts = [s["body"].get("text") for s in answers[-1].json()["timeline"]]
    assert texts[-5:] == [f"第{i}条" for i in range(5)]
    assert await events_of(pool, case_id) == 7


async def test_a_revoked_role_a_closed_session_and_another_processs_step_are_never_missed(
    world: World, pool: asyncpg.Pool, store: EventStore, clock: FixedClock
) -> None:
    w = world
    held, read, missed = (
        {"held": 1, "read": 0, "missed": 0},
        {"held": 0, "read": 1, "missed": 0},
        {"held": 0, "read": 1, "missed": 1},
    )
    case_id = await accepted_case(w)  # read: nothing held yet
    assert await noted(w, case_id) == (200, held)

    # Another process steps the case: the held case is stale, the next step reads it, and
    # for a minute this process reads first (behind a balancer that alternates replicas a
    # held attempt would fail every time).
    other = MessagePosted(
        message_id="x", visibility="internal", from_requester=False, text="别处", at=clock.now()
    )
    await store.append(stream(case_id), new(other), 3)
    assert await noted(w, case_id) == (200, missed)
    assert await events_of(pool, case_id) == 5
    assert await noted(w, case_id) == (200, read)
    clock.advance(minutes=2)
    assert await noted(w, case_id) == (200, held)

    # The handler's role is revoked: refused on the very next step, nothing appended.
    account, unit = w.accounts["handler"], w.units["A"]
    r = await w.client.delete(f"/api/v1/accounts/{account}/roles/{unit}/handler", headers=w.root)
    assert r.status_code == 200
    assert await noted(w, case_id) == (403, missed)
    r = await w.client.post(
        f"/api/v1/accounts/{account}/roles", headers=w.root, json={"unit_id": unit, "role": "handler"}
    )
    assert r.status_code == 200
    assert await noted(w, case_id) == (200, read)
    clock.advance(minutes=2)
    assert await noted(w, case_id) == (200, held)

    # The session is closed: 401 at once.
    signed_out = await w.client.post("/api/v1/auth/sign-out", headers=w.auth["handler"].headers())
    assert signed_out.status_code == 204
    assert await noted(w, case_id) == (401, missed)
    assert await events_of(pool, case_id) == 9


async def test_a_unit_moved_out_of_the_callers_subtree_is_404_on_the_next_step(
    world: World, pool: asyncpg.Pool
) -> None:
    w = world
    case_id = await accepted_case(w)  # read: nothing held yet
    assert await noted(w, case_id) == (200, {"held": 1, "read": 0, "missed": 0})
    r = await w.client.post(
        f"/api/v1/units/{w.units['A1']}/move", headers=w.root, json={"parent_id": w.units["B"]}
    )
    assert r.status_code == 200, r.text
    for _ in range(100):  # until the unit tree shows the move (the GET reads it every time)
        seen = await w.client.get(f"/api/v1/cases/{case_id}", headers=w.auth["handler"].headers())
        if seen.status_code == 404:
            break
        await asyncio.sleep(0.05)
    assert seen.status_code == 404
    assert await noted(w, case_id) == (404, {"held": 0, "read": 1, "missed": 1})
    assert await events_of(pool, case_id) == 3


async def test_a_session_that_expired_since_the_last_step_is_401(world: World, clock: FixedClock) -> None:
    w = world
    case_id = await accepted_case(w)  # read: nothing held yet
    assert await noted(w, case_id) == (200, {"held": 1, "read": 0, "missed": 0})
    clock.advance(hours=13)  # sessions last 12 hours (settings.session_hours)
    assert await noted(w, case_id) == (401, {"held": 0, "read": 1, "missed": 1})


async def test_a_step_that_lands_between_the_held_decision_and_its_append_wins_and_neither_is_lost(
    world: World, pool: asyncpg.Pool, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two steps at once from one held version: the other one's append lands while this one
    is decided, before it appends. This one finds the case changed, reads it, and is
    appended after it: neither is lost or taken twice."""
    w = world
    case_id = await accepted_case(w)  # read: nothing held yet
    assert (await noted(w, case_id))[0] == 200
    decided = held.carry_out

    async def raced(*args: Any, **kwargs: Any) -> Any:
        other = MessagePosted(
            message_id="o", visibility="internal", from_requester=False, text="甲", at=clock.now()
        )
        app_store = w.client.app.state.resources.store  # the app's own loop and pool
        await app_store.append(stream(case_id), new(other), 3)
        monkeypatch.setattr(held, "carry_out", decided)
        return await decided(*args, **kwargs)

    monkeypatch.setattr(held, "carry_out", raced)
    before = await steps_taken(w)
    r = await step(w, case_id, "messages", {"visibility": "internal", "text": "乙"})
    assert r.status_code == 200 and r.json()["version"] == 5
    taken = {k: v - before[k] for k, v in (await steps_taken(w)).items()}
    assert taken == {"held": 0, "read": 1, "missed": 1}
    assert await events_of(pool, case_id) == 5
    assert [s["body"].get("text") for s in r.json()["timeline"][-2:]] == ["甲", "乙"]
