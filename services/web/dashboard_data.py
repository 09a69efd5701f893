"""What the leader's dashboard shows, gathered from the slices' queries (never recomputed):
case rates and ranking (cases slice), survey heatmap, trend and response rates (surveys
slice, through its disclosure control), the open-issue queue."""

from __future__ import annotations

from typing import Any

import msgspec

from services.cases.queries import open_issue_queue
from services.cases.rates import resolution_rates, unit_ranking
from services.problems import NotFound
from services.surveys.queries import surveys_in
from services.surveys.results.accounting import response_rates
from services.surveys.results.cycle import load_cycle
from services.surveys.results.trend import heatmap, trend
from services.web.charts import trend_chart


class SurveyPart(msgspec.Struct, kw_only=True):
    survey: Any
    cycle: Any = None
    heatmap: Any = None
    trend: list[Any] = []
    chart: Any = None
    rates: list[Any] = []
    note: str = ""


async def case_part(pool: Any, unit: str, name: str, period: str, now: Any, scope: Any) -> dict[str, Any]:
    return {
        "rates": await resolution_rates(pool, unit, name, period, period, now),
        "ranking": await unit_ranking(pool, unit, period, now),
        "queue": await open_issue_queue(pool, scope, now, unit=unit, limit=10),
    }


async def survey_choices(pool: Any, leader_units: Any) -> list[Any]:
    return [s for s in await surveys_in(pool, leader_units) if s.status in ("published", "closed")]


async def survey_part(pool: Any, survey: Any, unit: str) -> SurveyPart:
    part = SurveyPart(survey=survey)
    try:
        c = await load_cycle(pool, survey.survey_id, None)
        c.unit(unit)
    except NotFound:
        part.note = "This unit took no part in the survey's current cycle."
        return part
    part.cycle = c
    part.heatmap = await heatmap(pool, c, unit)
    part.rates = await response_rates(pool, c, unit)
    try:
        part.trend = await trend(pool, survey.survey_id, unit, "cycle")
    except NotFound:
        part.trend = []
    part.chart = trend_chart(part.trend, [d.id for d in c.definition.dimensions])
    return part
