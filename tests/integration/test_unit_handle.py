"""The unit command handler on real PostgreSQL: the tree lock and idempotent retries."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from events.store import EventStore
from services.units.commands import CreateUnit, MoveUnit
from services.units.decider import MoveIntoOwnSubtree
from services.units.handle import handle, load

pytestmark = pytest.mark.integration


async def make(store: EventStore, unit_id: str, parent: str | None) -> None:
    command = CreateUnit(unit_id=unit_id, parent_id=parent, name=unit_id, kind="other")
    await handle(store, command, command_id=uuid.uuid4(), actor="admin")


async def test_concurrent_crossed_moves_never_make_a_cycle(store: EventStore) -> None:
    await make(store, "root", None)
    for n in range(8):
        a, b = f"a{n}", f"b{n}"
        await make(store, a, "root")
        await make(store, b, "root")
        results = await asyncio.gather(
            handle(store, MoveUnit(unit_id=a, parent_id=b), command_id=uuid.uuid4(), actor="x"),
            handle(store, MoveUnit(unit_id=b, parent_id=a), command_id=uuid.uuid4(), actor="x"),
            return_exceptions=True,
        )
        refused = [r for r in results if isinstance(r, MoveIntoOwnSubtree)]
        assert len(refused) == 1, results  # exactly one move wins, the other sees the cycle
        async with store.pool.acquire() as conn:
            (ua, _), (ub, _) = await load(conn, a), await load(conn, b)
        assert not (ua.parent_id == b and ub.parent_id == a)


async def test_retried_create_returns_the_first_outcome(store: EventStore) -> None:
    await make(store, "root", None)
    command_id = uuid.uuid4()
    command = CreateUnit(unit_id="u", parent_id="root", name="u", kind="department")
    first = await handle(store, command, command_id=command_id, actor="admin")
    again = await handle(store, command, command_id=command_id, actor="admin")
    assert first == again and first.position is not None
    assert await store.pool.fetchval("SELECT count(*) FROM events WHERE stream_id = 'unit-u'") == 1


async def test_lagging_read_model_answers_unavailable_not_a_stale_view(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services import commanding
    from services.problems import Unavailable

    await make(store, "root", None)
    position = await store.pool.fetchval("SELECT max(position) FROM events")
    monkeypatch.setattr(commanding, "READ_YOUR_WRITES_SECONDS", 0.05)
    with pytest.raises(Unavailable):  # no runner keeps this projection: it never catches up
        await commanding.caught_up(store.pool, ["unit_tree"], position)
    await commanding.caught_up(store.pool, ["unit_tree"], None)  # nothing written: no wait
