"""The leading group's dashboard for a unit's subtree, and its live event stream."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import ServerSentEvent, Template

from services.access.guards import Principal
from services.access.scope import require_unit
from services.cases.http_leader import this_month
from services.web import live
from services.web.charts import heat_class, percent
from services.web.dashboard_data import case_part, survey_choices, survey_part
from services.web.lookups import open_units, unit_names
from services.web.render import page

Period = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class LeaderPages(Controller):
    @get("/lead", opt={"role": "leader"}, include_in_schema=False)
    async def dashboard(
        self,
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
        unit: FromQuery[Id | None] = None,
        period: FromQuery[Period | None] = None,
        survey: FromQuery[Id | None] = None,
    ) -> Template:
        pool = state.resources.pool
        mine = principal.units_with("leader")
        unit_id = unit or sorted(mine)[0]
        await require_unit(pool, principal, unit_id, "leader")  # outside the subtree: 404
        month = period or this_month(state)
        name = (await unit_names(pool, [unit_id])).get(unit_id, "")
        cases = await case_part(
            pool, unit_id, name, month, state.clock.now(), principal.units_with("casework")
        )
        surveys = await survey_choices(pool, mine)
        default = max(surveys, key=lambda s: (s.status == "published", s.cycle), default=None)
        chosen = next((s for s in surveys if s.survey_id == survey), default)  # an open one first
        part = await survey_part(pool, chosen, unit_id) if chosen else None
        return await page(
            request,
            "lead_dashboard.html",
            headers={"Cache-Control": "no-store"},
            unit_id=unit_id,
            unit_name=name,
            period=month,
            units=await open_units(pool, mine),
            surveys=surveys,
            part=part,
            heat_class=heat_class,
            percent=percent,
            **cases,
        )

    @get("/lead/live", opt={"role": "leader"}, include_in_schema=False)
    async def live_updates(self, state: State, probe: FromQuery[bool] = False) -> Response[Any]:
        """Server-sent events telling open dashboards to refresh; 503 while Redis is down."""
        redis = state.resources.redis
        try:
            await redis.ping()
        except Exception:
            return Response(
                "live updates unavailable",
                status_code=503,
                media_type="text/plain",
                headers={"Retry-After": "30"},
            )

        async def changes() -> Any:
            async for topic in live.stream(redis, once=probe):
                yield {"event": "change" if topic not in ("ready", "ping") else topic, "data": topic}

        return ServerSentEvent(changes(), headers={"Cache-Control": "no-store"})
