"""A case as staff see it, and whether they may see it at all.

A case belongs to the unit it was raised in and, once assigned, to its lead unit too: a
handler or leader whose subtree holds either may work or watch it. Anyone else gets 404.
The state and the timeline come from the case's own stream (always current): one read
serves the scope check, the command and the answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec
from litestar import Response

from services.access.guards import Principal
from services.cases import sealing
from services.cases.calendar import WorkCalendar
from services.cases.handle import Loaded, declared_days, read_case
from services.cases.policy import DEFAULT_POLICY
from services.cases.queries import TimelineStep
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


async def authorise(state: Any, principal: Principal, case_id: str, need: str) -> Loaded:
    """The case, when the caller's role covers its unit or lead unit; else 404."""
    loaded = await read_case(state.resources.pool, case_id)
    case = loaded.state
    if not case.exists:
        raise NotFound("no such case")
    units = [u for u in (case.unit_id, case.lead_unit) if u]
    try:  # the paths of both units in one query
        covered = await state.resources.pool.fetchval(
            "SELECT bool_or(path && $2::text[]) FROM unit_tree WHERE unit_id = ANY($1)",
            units,
            list(principal.units_with(need)),
        )
    except asyncpg.UndefinedTableError:  # the runner has not created its tables yet
        covered = False
    if not covered:
        raise NotFound("no such case")
    return loaded


async def case_view(
    state: Any, principal: Principal, case_id: str, loaded: Loaded | None = None
) -> Response[CaseView]:
    """`loaded`: the case as the caller holds it (then it is not read again)."""
    pool = state.resources.pool
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
    view = CaseView(
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
    return Response(view, headers={"ETag": f'"{version}"', "Cache-Control": "no-store"})


def _extension(case: Any) -> str:
    if not case.extension_requested:
        return "none"
    if not case.extension_decided:
        return "requested"
    return "approved" if case.extension_days else "denied"
