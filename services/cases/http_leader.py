"""The leading group's numbers: rates with their formulas, the monthly ranking, downloads;
and the admin's calendar of holidays and working days, and contact erasure."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from events.base import pending
from events.cases import WorkdayDeclared
from events.store import Expect
from services.access.guards import Principal
from services.access.scope import require_unit
from services.cases import sealing
from services.cases.calendar import TZ
from services.cases.handle import CALENDAR_STREAM, forget_declared_days
from services.cases.queries import QueueRow, open_issue_queue
from services.cases.rates import Ranking, UnitRates, resolution_rates, unit_ranking
from services.cases.staff_view import authorise
from services.commanding import command_id_from, strict_body
from services.exports import table

Period = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
UnitQ = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Fmt = Literal["csv", "xlsx"]
QUEUE_HEADER = (
    "案件 case",
    "类别 kind",
    "紧急程度 urgency",
    "状态 status",
    "单位 unit",
    "提交 submitted",
    "最近期限 next due",
    "标记 badges",
    "天数 age (days)",
)
RATES_HEADER = ("指标 measure", "值 value", "分子 numerator", "分母 denominator", "公式 formula")


def queue_table(fmt: str, rows: list[QueueRow]) -> Response[bytes]:
    return table(
        fmt,
        "open-issue-queue",
        QUEUE_HEADER,
        (
            (
                r.case_id,
                r.kind,
                r.urgency,
                r.status,
                r.unit_name,
                r.submitted_at,
                r.next_due,
                r.badges,
                r.age_days,
            )
            for r in rows
        ),
    )


def rates_table(fmt: str, r: UnitRates) -> Response[bytes]:
    measures = (
        ("response_rate", r.response_rate),
        ("resolution_rate", r.resolution_rate),
        ("satisfaction_rate", r.satisfaction_rate),
        ("on_time_resolution", r.on_time_resolution),
        ("return_rate", r.return_rate),
        ("redo_rate", r.redo_rate),
    )
    return table(
        fmt,
        f"rates-{r.period_from}-{r.period_to}",
        RATES_HEADER,
        ((name, m.value, m.numerator, m.denominator, m.formula) for name, m in measures),
    )


class DayDeclaration(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    day: date
    workday: bool
    note: Annotated[str, msgspec.Meta(max_length=200)] = ""


def this_month(state: State) -> str:
    return str(state.clock.now().astimezone(TZ).strftime("%Y-%m"))


async def _rates(
    state: State, principal: Principal, unit: str, start: str | None, end: str | None
) -> UnitRates:
    await require_unit(state.resources.pool, principal, unit, "leader")
    name = await state.resources.pool.fetchval("SELECT name FROM unit_tree WHERE unit_id = $1", unit)
    first = start or this_month(state)
    return await resolution_rates(state.resources.pool, unit, name, first, end or first, state.clock.now())


class LeaderController(Controller):
    tags = ("cases: leading group",)

    @get("/api/v1/rates", operation_id="resolution_rates", opt={"role": "leader"})
    async def rates(
        self,
        state: State,
        principal: NamedDependency[Principal],
        unit: FromQuery[UnitQ],
        start: FromQuery[Period | None] = None,
        end: FromQuery[Period | None] = None,
    ) -> UnitRates:
        """响应率 / 解决率 / 满意率 and more for a unit's whole subtree over months (default:
        this month), each with its formula, numerator and denominator."""
        return await _rates(state, principal, unit, start, end)

    @get("/api/v1/ranking", operation_id="unit_ranking", opt={"role": "leader"})
    async def ranking(
        self,
        state: State,
        principal: NamedDependency[Principal],
        unit: FromQuery[UnitQ],
        period: FromQuery[Period | None] = None,
    ) -> Ranking:
        """红榜 / 黑榜 of the units directly under `unit` for a month."""
        await require_unit(state.resources.pool, principal, unit, "leader")
        return await unit_ranking(state.resources.pool, unit, period or this_month(state), state.clock.now())

    @get("/api/v1/exports/queue/{fmt:str}", operation_id="export_queue", opt={"role": "casework"})
    async def export_queue(
        self, fmt: FromPath[Fmt], state: State, principal: NamedDependency[Principal]
    ) -> Response[bytes]:
        """The open-issue queue as CSV or XLSX (the caller's subtrees, up to 10,000 rows)."""
        rows = await open_issue_queue(
            state.resources.pool, principal.units_with("casework"), state.clock.now(), limit=10_000
        )
        return queue_table(fmt, rows)

    @get("/api/v1/exports/rates/{fmt:str}", operation_id="export_rates", opt={"role": "leader"})
    async def export_rates(
        self,
        fmt: FromPath[Fmt],
        state: State,
        principal: NamedDependency[Principal],
        unit: FromQuery[UnitQ],
        start: FromQuery[Period | None] = None,
        end: FromQuery[Period | None] = None,
    ) -> Response[bytes]:
        """The rates of a unit's subtree as CSV or XLSX, formulas beside the numbers."""
        return rates_table(fmt, await _rates(state, principal, unit, start, end))

    @post("/api/v1/calendar/days", operation_id="declare_workday", opt={"role": "admin"}, status_code=200)
    async def declare_day(
        self, request: Request[Any, Any, Any], state: State, principal: NamedDependency[Principal]
    ) -> dict[str, Any]:
        """Declare a holiday or an adjusted working day (for years the official calendar
        library does not know yet, or a unit-wide closure)."""
        body = await strict_body(request, DayDeclaration)
        event = WorkdayDeclared(day=body.day, workday=body.workday, note=body.note)
        cmd = command_id_from(request.headers, state.ids)
        await state.resources.store.append(
            CALENDAR_STREAM, pending([event], command_id=cmd, actor=principal.account_id), Expect.ANY
        )
        forget_declared_days()  # after the append: nothing re-reads the old days meanwhile
        return {"day": body.day.isoformat(), "workday": body.workday}

    @post(
        "/api/v1/cases/{case_id:str}/erase-contact",
        operation_id="erase_case_contact",
        opt={"role": "admin"},
        status_code=200,
    )
    async def erase(
        self, case_id: FromPath[str], state: State, principal: NamedDependency[Principal]
    ) -> dict[str, Any]:
        """Destroy the key of a named requester's contact details (retention or erasure
        request): the case and every figure stay; the contact reads "[erased]"."""
        await authorise(state, principal, case_id, "admin")
        erased = await sealing.erase(state.resources.pool, case_id, state.clock.now())
        return {"case_id": case_id, "erased": erased}
