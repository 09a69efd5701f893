"""A case as staff see it, and whether they may see it at all.

A case belongs to the unit it was raised in and, once assigned, to its lead unit too: a
handler or leader whose subtree holds either may work or watch it. Anyone else gets 404.
The state and the timeline come from the case's own stream (always current): one read
serves the scope check, the command and the answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import asyncpg
import msgspec
from litestar import Request, Response

from events import cases as ev
from events.store.db import Queryable
from events.store.records import COLUMNS, to_recorded
from services.access import sessions
from services.access.guards import Principal, caller_credentials, caller_from
from services.cases import sealing
from services.cases.calendar import WorkCalendar
from services.cases.handle import Loaded, declared_days, loaded_from, read_case, stream
from services.cases.policy import DEFAULT_POLICY
from services.cases.queries import TimelineStep
from services.cases.recent import HeldCaller, RecentCases, caller_key
from services.cases.timeline import timeline as timeline_of
from services.cases.timing import dues
from services.problems import NotFound


class CaseView(msgspec.Struct, frozen=True):
    case_id: str
    version: int
    status: str
    kind: str
    urgency: str
    unit_id: str
    lead_unit: str | None
    anonymous: bool
    contact: str | None  # a named requester's contact, "[erased]" once the key is destroyed
    submitted_at: datetime | None
    due: dict[str, datetime | None]
    escalated: bool
    cycle: int
    breaches: list[str]
    extension: str
    waiting_question: str | None
    timeline: list[TimelineStep]
    calendar_warning: str | None


# The case's stream and, in the same round trip, the unit-tree path of every unit it was
# ever raised at or assigned to (JSON, unit → path); the fold then says which of those are
# its units now (state.py: `unit_id` from CaseSubmitted, `lead_unit` from CaseAssigned), and
# the caller may act when a unit they hold the role at lies on one of their paths.
_NAMING_UNITS = f"'{ev.CaseSubmitted.type_name()}', '{ev.CaseAssigned.type_name()}'"
_CASE_WITH_PATHS = f"""
SELECT {COLUMNS},
       (SELECT json_object_agg(u.unit_id, u.path)::text FROM unit_tree u
         WHERE u.unit_id IN (SELECT c.data->>'unit_id' FROM events c
                              WHERE c.stream_id = $4 AND c.type IN ({_NAMING_UNITS})))
       AS paths
  FROM events WHERE stream_id = $4 AND stream_version >= $5
"""
_CASE = _CASE_WITH_PATHS.replace("$4", "$1").replace("$5", "$2") + " ORDER BY stream_version"
# A `reads_caller` step: the caller's account stream too ($1–$3: sessions.ACCOUNT_STREAM),
# so one round trip checks who is calling and reads what they act on.
_CALLER_AND_CASE = {
    kind: f"SELECT {COLUMNS}, NULL AS paths FROM events WHERE stream_id = {account}"
    f" UNION ALL {_CASE_WITH_PATHS} ORDER BY stream_id, stream_version"
    for kind, account in sessions.ACCOUNT_STREAM.items()
}


async def authorise(
    state: Any, principal: Principal, case_id: str, need: str, db: Queryable | None = None
) -> Loaded:
    """The case, when the caller's role covers its unit or lead unit; else 404."""
    recent: RecentCases = state.resources.recent_cases
    conn = db or state.resources.pool

    async def read(since: int) -> tuple[list[asyncpg.Record], list[asyncpg.Record]]:
        return [], await _fetch(conn, _CASE, stream(case_id), since)

    _, loaded = await _read_case(recent, case_id, read)
    return _in_scope(principal, need, loaded, recent, case_id)


async def authorise_caller(
    db: Queryable, request: Request[Any, Any, Any], case_id: str, need: str
) -> tuple[Loaded, Principal]:
    """For a `reads_caller` route: the caller (401/403 as the access check would answer)
    and the case (404 unless their role covers it), from one query."""
    credentials = caller_credentials(request)
    account = sessions.account_arguments(credentials, request.app.state.clock.now())
    recent: RecentCases = request.app.state.resources.recent_cases
    case_stream = stream(case_id)

    async def read(since: int) -> tuple[list[asyncpg.Record], list[asyncpg.Record]]:
        try:
            rows = await db.fetch(_CALLER_AND_CASE[credentials.kind], *account, case_stream, since)
        except asyncpg.UndefinedTableError:  # no unit tree yet: still 401/403 before the 404
            caller_from(request, await sessions.account_events(db, credentials, account[2]))
            raise NotFound("no such case") from None
        mine = [r for r in rows if r["stream_id"] != case_stream]
        return mine, [r for r in rows if r["stream_id"] == case_stream]

    account_rows, loaded = await _read_case(recent, case_id, read)
    principal = caller_from(request, [tuple(r)[:-1] for r in account_rows])
    held = HeldCaller(principal, account_rows[-1]["event_id"])  # rows there: caller_from passed
    request.app.state.resources.held_callers.put(caller_key(credentials, account[0]), held)
    return _in_scope(principal, need, loaded, recent, case_id), principal


class _Read(Protocol):
    async def __call__(self, since: int) -> tuple[list[asyncpg.Record], list[asyncpg.Record]]: ...


async def _read_case(
    recent: RecentCases, case_id: str, read: _Read
) -> tuple[list[asyncpg.Record], tuple[Loaded, dict[str, list[str]]]]:
    """Other rows of the query, and the case with the unit paths: read from the version this
    process holds (recent.py), or whole when it holds none or the one it holds is not the
    stream's any more."""
    held = recent.get(case_id)
    if held is not None:
        other, rows = await read(held.version)
        if rows and (rows[0]["stream_version"], rows[0]["event_id"]) == (held.version, held.last):
            events = [to_recorded(tuple(r)[:-1]) for r in rows[1:]]  # the held one is not decoded again
            return other, (held.extended(events), _paths(rows))
        recent.forget(case_id)  # not the stream's any more (a restore): what is read now replaces it
    other, rows = await read(1)
    return other, (loaded_from([to_recorded(tuple(r)[:-1]) for r in rows]), _paths(rows))


def _paths(rows: list[asyncpg.Record]) -> dict[str, list[str]]:
    raw = rows[0]["paths"] if rows else None
    return msgspec.json.decode(raw) if raw else {}


async def _fetch(db: Queryable, sql: str, *arguments: Any) -> list[asyncpg.Record]:
    try:
        return await db.fetch(sql, *arguments)
    except asyncpg.UndefinedTableError:  # the runner has not created the unit tree yet
        raise NotFound("no such case") from None


def _in_scope(
    principal: Principal,
    need: str,
    read: tuple[Loaded, dict[str, list[str]]],
    recent: RecentCases,
    case_id: str,
) -> Loaded:
    loaded, paths = read
    if not covers(principal, need, loaded, paths):
        raise NotFound("no such case")
    recent.keep(case_id, loaded, paths)
    return loaded


def covers(principal: Principal, need: str, loaded: Loaded, paths: dict[str, list[str]]) -> bool:
    """Whether the case exists and a unit the caller holds `need` at lies on the path of
    its unit or its lead unit."""
    case = loaded.state
    mine = principal.units_with(need)
    units = (case.unit_id, case.lead_unit or "")
    return case.exists and any(mine.intersection(paths.get(u) or ()) for u in units)


async def case_view(
    state: Any, principal: Principal, case_id: str, loaded: Loaded | None = None
) -> Response[CaseView]:
    """`loaded`: the case as the caller holds it (then it is not read again)."""
    view = await view_of(state, principal, case_id, loaded)
    return Response(view, headers={"ETag": f'"{view.version}"', "Cache-Control": "no-store"})


async def view_of(
    state: Any, principal: Principal, case_id: str, loaded: Loaded | None = None, db: Queryable | None = None
) -> CaseView:
    pool = db or state.resources.pool
    loaded = loaded if loaded is not None else await read_case(pool, case_id)
    case, version, submitted = loaded.state, loaded.version, loaded.sealed
    cal = WorkCalendar(await declared_days(pool))
    d = dues(case, cal, DEFAULT_POLICY)
    warning = (
        f"{', '.join(map(str, sorted(cal.unknown_years)))} 年的法定节假日尚未收录：按周一至周五计算，"
        "请管理员补充节假日和调休"
        if cal.unknown_years
        else None
    )
    return CaseView(
        case_id=case_id,
        version=version,
        status=case.status,
        kind=case.kind,
        urgency=case.urgency,
        unit_id=case.unit_id,
        lead_unit=case.lead_unit,
        anonymous=case.anonymous,
        contact=await sealing.contact(pool, case_id, submitted),
        submitted_at=case.submitted_at,
        due={"accept": d.accept, "respond": d.respond, "resolve": d.resolve},
        escalated=case.escalated,
        cycle=case.cycle,
        breaches=list(case.breaches),
        extension=_extension(case),
        waiting_question=case.waiting_question,
        timeline=timeline_of(loaded.entries, public_only=False, viewer=principal.account_id),
        calendar_warning=warning,
    )


def _extension(case: Any) -> str:
    if not case.extension_requested:
        return "none"
    if not case.extension_decided:
        return "requested"
    return "approved" if case.extension_days else "denied"
