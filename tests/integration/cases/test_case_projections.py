"""Case projectors on real PostgreSQL: given events, then rows — and a rebuild gives the same."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
import pytest

from events import cases as ev
from events.base import Event
from events.store import EventStore, Expect
from projections.case_notifications import CaseNotifications
from projections.case_timeline import CaseTimeline
from projections.open_issue_queue import OpenIssueQueue
from projections.rebuild import rebuild
from projections.resolution_rates import ResolutionRates
from services.cases.calendar import TZ
from tests.support.helpers import new
from tests.support.running import running

pytestmark = pytest.mark.integration
MON = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
PROJECTORS = [CaseTimeline(), OpenIssueQueue(), ResolutionRates(), CaseNotifications()]


def submitted(case_id: str, at: datetime = MON, urgency: str = "normal") -> ev.CaseSubmitted:
    return ev.CaseSubmitted(
        case_id=case_id, kind="rights_request", unit_id="u1", text="工资拖欠", urgency=urgency, at=at
    )  # type: ignore[arg-type]


def worked(case_id: str, at: datetime = MON) -> list[Event]:
    return [
        submitted(case_id, at),
        ev.CaseAccepted(kind="rights_request", urgency="normal", at=at),
        ev.CaseAssigned(unit_id="u2", at=at),
        ev.CaseSignedFor(at=at),
    ]


async def project(dsn: str, pool: asyncpg.Pool, store: EventStore, streams: dict[str, list[Event]]) -> None:
    last = None
    for case_id, events in streams.items():
        last = await store.append(f"case-{case_id}", new(*events), Expect.NO_STREAM)
    assert last is not None
    async with running(dsn, pool, PROJECTORS):
        from projections.runner import wait_for

        assert await wait_for(pool, [p.name for p in PROJECTORS], last.checkpoint, timeout=10)


async def test_queue_holds_open_cases_with_their_next_due_and_drops_ended_ones(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    later = MON + timedelta(hours=1)
    await project(
        dsn,
        pool,
        store,
        {
            "open": [submitted("open")],
            "worked": worked("worked"),
            "declined": [
                submitted("declined"),
                ev.CaseDeclined(reason="out_of_scope", text="不属受理范围", at=later),
            ],
            "escalated": [*worked("escalated"), ev.CaseEscalated(reason="督办", automatic=False, at=later)],
        },
    )
    rows = {r["case_id"]: r for r in await pool.fetch("SELECT * FROM open_issue_queue")}
    assert set(rows) == {"open", "worked", "escalated"}
    assert rows["open"]["next_clock"] == "accept"
    assert rows["open"]["next_due"] == datetime(2026, 3, 3, 10, 0, tzinfo=TZ)
    assert rows["worked"]["unit_id"] == "u2" and rows["worked"]["next_clock"] == "respond"
    assert rows["escalated"]["escalated"] is True


async def test_rates_facts_record_response_in_time_and_ratings(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    quick = MON + timedelta(hours=1)
    late = MON + timedelta(days=3)
    rated = [
        *worked("a"),
        ev.MessagePosted(message_id="m", visibility="public", from_requester=False, text="已收到", at=quick),
        ev.CaseAnswered(text="已处理", at=quick),
        ev.CaseResolved(summary="办结", at=quick),
        ev.CaseRated(solved=True, satisfaction="basically_satisfied", at=quick),
    ]
    slow = [*worked("b"), ev.CaseAnswered(text="迟复", at=late)]
    withdrawn = [
        submitted("c"),
        ev.CaseAccepted(kind="suggestion", urgency="normal", at=MON),
        ev.CaseWithdrawn(at=quick),
    ]
    await project(dsn, pool, store, {"a": rated, "b": slow, "c": withdrawn})
    rows = {r["case_id"]: r for r in await pool.fetch("SELECT * FROM resolution_rates")}
    assert rows["a"]["responded_in_time"] and rows["a"]["resolved_on_time"] and rows["a"]["rated"]
    assert rows["a"]["satisfaction"] == "basically_satisfied" and rows["a"]["response_hours"] == 1.0
    assert not rows["b"]["responded_in_time"] and rows["b"]["counts_for_response"]
    assert not rows["c"]["counts_for_response"] and rows["a"]["period"] == "2026-03"


async def test_timeline_marks_what_the_requester_may_see(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    note = ev.MessagePosted(message_id="n", visibility="internal", from_requester=False, text="内部", at=MON)
    await project(dsn, pool, store, {"t": [*worked("t"), note, ev.CaseReturned(reason="x", at=MON)]})
    seen = [
        (r["type"], r["visibility"])
        for r in await pool.fetch(
            "SELECT type, visibility FROM case_timeline WHERE case_id = 't' ORDER BY version"
        )
    ]
    assert seen[-2:] == [("MessagePosted", "internal"), ("CaseReturned", "internal")]
    assert seen[0] == ("CaseSubmitted", "public")


async def test_a_rebuild_of_the_case_projections_equals_the_live_tables(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    streams = {f"r{i}": worked(f"r{i}", MON + timedelta(hours=i)) for i in range(12)}
    streams["r0"] += [
        ev.RequesterAsked(question="?", at=MON + timedelta(hours=2)),
        ev.CaseResumed(at=MON + timedelta(days=1)),
    ]
    await store.append(
        "calendar",
        new(ev.WorkdayDeclared(day=MON.date() + timedelta(days=1), workday=False)),
        Expect.NO_STREAM,
    )
    await project(dsn, pool, store, streams)
    # A second declaration after the cases: rows computed before it keep the old calendar.
    await store.append(
        "calendar", new(ev.WorkdayDeclared(day=MON.date() + timedelta(days=2), workday=False)), 1
    )
    await project(dsn, pool, store, {"late": worked("late", MON + timedelta(hours=20))})
    tables = (
        "open_issue_queue",
        "open_issue_queue_by_unit",
        "resolution_rates",
        "resolution_rates_summary",
        "case_timeline",
        "case_notifications",
    )
    before = {t: await _dump(pool, t) for t in tables}
    for p in PROJECTORS:
        await rebuild(dsn, p, batch_size=3)  # cut into other batches than the live runner's
    after = {t: await _dump(pool, t) for t in before}
    assert after == before and before["open_issue_queue"]


async def _dump(pool: asyncpg.Pool, table: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await pool.fetch(f"SELECT * FROM {table} ORDER BY 1, 2")]


async def test_the_timeline_from_the_stream_equals_the_case_timeline_projection(
    dsn: str, store: EventStore, pool: asyncpg.Pool
) -> None:
    """The case views take the timeline from the stream; it shows what the projection shows,
    to the requester, to staff, and a personal note to its author only."""
    from services.cases.queries import case_timeline
    from services.cases.timeline import recorded, timeline

    def note(i: str, visibility: str) -> ev.MessagePosted:
        return ev.MessagePosted(message_id=i, visibility=visibility, from_requester=False, text=i, at=MON)  # type: ignore[arg-type]

    await store.append("case-tl", new(*worked("tl")), Expect.NO_STREAM)
    await store.append("case-tl", new(note("p", "public"), note("i", "internal"), actor="ann"), 4)
    await store.append("case-tl", new(note("n1", "note"), actor="ann"), 6)
    await store.append("case-tl", new(note("n2", "note"), ev.CaseReturned(reason="x", at=MON), actor="bo"), 7)
    await project(dsn, pool, store, {"after-tl": [submitted("after-tl")]})  # projected past case-tl
    entries = recorded(await store.read_stream("case-tl"))
    for public_only, viewer in ((True, None), (False, "ann"), (False, "bo"), (False, None)):
        projected = await case_timeline(pool, "tl", public_only=public_only, viewer=viewer)
        assert timeline(entries, public_only=public_only, viewer=viewer) == projected
    seen = timeline(entries, public_only=False, viewer="ann")
    assert [s.body.get("text") for s in seen if s.type == "MessagePosted"] == ["p", "i", "n1"]
    assert [s.type for s in timeline(entries, public_only=True)][-1] == "MessagePosted"
