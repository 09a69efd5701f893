"""append: expected versions, idempotent retries, size cap, conflicts under concurrency."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from events.base import Metadata, PendingEvent
from events.store import Condition, ConditionFailed, EventStore, Expect
from events.store.append import MAX_EVENT_BYTES, append
from events.store.errors import EventIdReused, EventTooLarge, WrongExpectedVersion
from tests.support.events import Happened
from tests.support.helpers import new

pytestmark = pytest.mark.integration


async def count(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM events"))


async def test_append_new_stream_returns_positions_and_versions(store: EventStore) -> None:
    r = await store.append("s-1", new(Happened(n=1), Happened(n=2)), Expect.NO_STREAM)
    assert r.last_version == 2 and not r.replayed
    assert r.positions == sorted(r.positions) and len(set(r.positions)) == 2
    events = await store.read_stream("s-1")
    assert [e.event for e in events] == [Happened(n=1), Happened(n=2)]
    assert [e.stream_version for e in events] == [1, 2]


async def test_append_wrong_expected_version_raises_typed_error_and_stores_nothing(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    await store.append("s-1", new(Happened(n=1)), Expect.NO_STREAM)
    with pytest.raises(WrongExpectedVersion) as err:
        await store.append("s-1", new(Happened(n=2)), 5)
    assert (err.value.stream_id, err.value.expected, err.value.actual) == ("s-1", 5, 1)
    with pytest.raises(WrongExpectedVersion):
        await store.append("s-1", new(Happened(n=2)), Expect.NO_STREAM)
    with pytest.raises(WrongExpectedVersion) as err2:
        await store.append("s-2", new(Happened(n=2)), Expect.STREAM_EXISTS)
    assert err2.value.expected == "stream_exists"
    assert await count(pool) == 1


async def test_append_any_and_stream_exists_follow_the_stream(store: EventStore) -> None:
    await store.append("s-1", new(Happened(n=1)), Expect.ANY)
    r = await store.append("s-1", new(Happened(n=2)), Expect.STREAM_EXISTS)
    r2 = await store.append("s-1", new(Happened(n=3)), Expect.ANY)
    assert (r.last_version, r2.last_version) == (2, 3)


async def test_append_concurrent_same_expected_version_exactly_one_wins(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    await store.append("s-1", new(Happened(n=0)), Expect.NO_STREAM)
    # The first holds its transaction open so the second really runs at the same time.
    async with pool.acquire() as c1, pool.acquire() as c2:
        tx = c1.transaction()
        await tx.start()
        await append(c1, "s-1", new(Happened(n=1)), 1)
        second = asyncio.create_task(append(c2, "s-1", new(Happened(n=2)), 1))
        await asyncio.sleep(0.2)
        assert not second.done()  # queued behind the first, not racing past it
        await tx.commit()
        with pytest.raises(WrongExpectedVersion) as err:
            await second
    assert err.value.actual == 2
    assert [e.event for e in await store.read_stream("s-1")] == [Happened(n=0), Happened(n=1)]


async def test_append_many_concurrent_writers_one_stream_versions_stay_dense(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    async def writer(i: int) -> bool:
        try:
            await store.append("hot", new(Happened(n=i)), 0 if i == 0 else Expect.ANY)
            return True
        except WrongExpectedVersion:
            return False

    results = await asyncio.gather(*(writer(i) for i in range(30)))
    versions = [e.stream_version for e in await store.read_stream("hot")]
    assert versions == list(range(1, sum(results) + 1))


async def test_append_retry_with_same_ids_returns_original_positions(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    batch = new(Happened(n=1), Happened(n=2))
    first = await store.append("s-1", batch, Expect.NO_STREAM)
    await store.append("s-1", new(Happened(n=3)), 2)
    again = await store.append("s-1", batch, Expect.NO_STREAM)
    assert again.positions == first.positions and again.replayed
    assert await count(pool) == 3


async def test_append_same_ids_other_content_rejected(store: EventStore, pool: asyncpg.Pool) -> None:
    batch = new(Happened(n=1))
    await store.append("s-1", batch, Expect.NO_STREAM)
    changed = [PendingEvent(event=Happened(n=99), event_id=batch[0].event_id, metadata=batch[0].metadata)]
    with pytest.raises(EventIdReused):
        await store.append("s-1", changed, Expect.ANY)
    with pytest.raises(EventIdReused):
        await store.append("s-2", batch, Expect.ANY)  # same event, other stream
    assert await count(pool) == 1


async def test_append_batch_with_one_oversize_event_stores_nothing(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    big = Happened(n=2, note="x" * (MAX_EVENT_BYTES + 1))
    with pytest.raises(EventTooLarge):
        await store.append("s-1", new(Happened(n=1), big), Expect.NO_STREAM)
    assert await count(pool) == 0


async def test_append_records_causation_correlation_and_actor(store: EventStore) -> None:
    import uuid

    corr, cause = uuid.uuid4(), uuid.uuid4()
    meta = Metadata(correlation_id=corr, causation_id=cause, actor="acct-7")
    await store.append(
        "s-1",
        [PendingEvent(event=Happened(n=1), event_id=uuid.uuid4(), metadata=meta)],
        Expect.NO_STREAM,
    )
    [recorded] = await store.read_stream("s-1")
    assert recorded.metadata == meta


async def test_append_empty_batch_is_refused(store: EventStore) -> None:
    with pytest.raises(ValueError):
        await store.append("s-1", [], Expect.ANY)


# A conditional append (a dynamic consistency boundary): the condition is checked in the
# append's own statement, with its own parameters.
_OTHER_AT = Condition("(SELECT max(stream_version) FROM events WHERE stream_id = $1) = $2", ("other", 2))


async def test_conditional_append_happens_only_while_its_condition_holds(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    await store.append("other", new(Happened(n=1)), Expect.NO_STREAM)
    await store.append("s-1", new(Happened(n=1)), Expect.NO_STREAM)
    with pytest.raises(ConditionFailed):  # "other" is at version 1, not 2
        await store.append("s-1", new(Happened(n=2)), 1, condition=_OTHER_AT)
    assert await count(pool) == 2
    await store.append("other", new(Happened(n=2)), 1)
    r = await store.append("s-1", new(Happened(n=2), Happened(n=3)), 1, condition=_OTHER_AT)
    assert r.last_version == 3 and not r.replayed
    assert [e.event.n for e in await store.read_stream("s-1")] == [1, 2, 3]  # type: ignore[attr-defined]


async def test_conditional_append_at_a_stale_version_fails_without_a_diagnosis(
    store: EventStore, pool: asyncpg.Pool
) -> None:
    await store.append("other", new(Happened(n=1), Happened(n=2)), Expect.NO_STREAM)
    await store.append("s-1", new(Happened(n=1), Happened(n=2)), Expect.NO_STREAM)
    with pytest.raises(ConditionFailed):  # the condition holds; the version does not
        await store.append("s-1", new(Happened(n=3)), 1, condition=_OTHER_AT)
    with pytest.raises(ValueError):  # only against an exact version
        await store.append("s-1", new(Happened(n=3)), Expect.ANY, condition=_OTHER_AT)
    assert await count(pool) == 4


async def test_two_conditional_appends_at_one_version_one_wins(store: EventStore, pool: asyncpg.Pool) -> None:
    await store.append("other", new(Happened(n=1), Happened(n=2)), Expect.NO_STREAM)
    await store.append("s-1", new(Happened(n=1)), Expect.NO_STREAM)
    outcomes = await asyncio.gather(
        *(store.append("s-1", new(Happened(n=10 + i)), 1, condition=_OTHER_AT) for i in range(2)),
        return_exceptions=True,
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["AppendResult", "ConditionFailed"]
    assert await count(pool) == 4
