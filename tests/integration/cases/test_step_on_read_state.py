"""A case step decides on the state it was handed and appends only if the stream is still
at the version that state was folded at: an If-Match naming a later version (the case moved
between the read and the step) is refused like a stale If-Match, and nothing is appended."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
import pytest

from events import cases as ev
from events.base import Event
from events.store import EventStore, Expect
from events.store.errors import WrongExpectedVersion
from services.cases.calendar import TZ
from services.cases.commands import AcceptCase
from services.cases.handle import carry_out, read_case, stream
from services.cases.state import CaseState
from services.commanding import Outcome
from tests.support.helpers import new

pytestmark = pytest.mark.integration
NOW = datetime(2026, 3, 20, 9, 0, tzinfo=TZ)


async def submitted(store: EventStore) -> str:
    case_id = str(uuid.uuid4())
    submit = ev.CaseSubmitted(
        case_id=case_id, kind="suggestion", unit_id="a1", text="食堂", urgency="normal", at=NOW
    )
    await store.append(stream(case_id), new(submit), Expect.NO_STREAM)
    return case_id


async def accept(
    store: EventStore, case_id: str, loaded: tuple[CaseState, int], expected: int
) -> tuple[Outcome, list[Event] | None]:
    return await carry_out(
        store,
        case_id,
        AcceptCase(),
        command_id=uuid.uuid4(),
        actor="handler",
        now=NOW,
        expected=expected,
        fresh_id=True,
        loaded=loaded,
    )


async def test_a_step_on_a_state_the_stream_has_moved_past_is_refused(
    pool: asyncpg.Pool, store: EventStore
) -> None:
    case_id = await submitted(store)
    read = await read_case(pool, case_id)  # what authorise read: version 1, submitted
    assert read.version == 1 and read.state.status == "submitted"
    # Meanwhile someone declines the case: the stream is at 2.
    declined = ev.CaseDeclined(reason="duplicate", text="已有同样的建议", at=NOW)
    await store.append(stream(case_id), new(declined), 1)

    # The client has seen version 2 and sends If-Match: "2"; the state is still the one at 1.
    with pytest.raises(WrongExpectedVersion) as refused:
        await accept(store, case_id, (read.state, read.version), expected=2)
    assert refused.value.stream_id == stream(case_id) and refused.value.expected == 2

    after = await store.read_stream(stream(case_id))
    assert [e.event.type_name() for e in after] == ["CaseSubmitted", "CaseDeclined"]


async def test_a_step_on_the_state_at_the_clients_version_is_carried_out(
    pool: asyncpg.Pool, store: EventStore
) -> None:
    case_id = await submitted(store)
    read = await read_case(pool, case_id)
    outcome, events = await accept(store, case_id, (read.state, read.version), expected=1)
    assert outcome.version == 2 and events is not None and len(events) == 1
    after = await store.read_stream(stream(case_id))
    assert [e.event.type_name() for e in after] == ["CaseSubmitted", "CaseAccepted"]


async def test_a_stale_if_match_is_refused_with_the_version_read(
    pool: asyncpg.Pool, store: EventStore
) -> None:
    case_id = await submitted(store)
    await store.append(stream(case_id), new(ev.CaseAccepted(kind="suggestion", urgency="normal", at=NOW)), 1)
    read = await read_case(pool, case_id)
    with pytest.raises(WrongExpectedVersion) as refused:
        await accept(store, case_id, (read.state, read.version), expected=1)
    assert (refused.value.expected, refused.value.actual) == (1, 2)
    assert len(await store.read_stream(stream(case_id))) == 2
