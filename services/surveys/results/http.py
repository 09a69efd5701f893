"""Results over HTTP for the leading group: scores, heatmap, trend, response rates, ballot
accounting, free text, and their CSV / XLSX exports. Scoped to the caller's leader
subtree (a unit outside it answers 404); every figure passes disclosure control."""

from __future__ import annotations

from typing import Literal

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from services.access.guards import Principal
from services.surveys.results import export
from services.surveys.results.accounting import (
    BallotRow,
    FreeText,
    RateRow,
    ballot_accounting,
    free_text,
    response_rates,
)
from services.surveys.results.exports import EXPORTS
from services.surveys.results.params import BadQuery, cycle_for, scope, score_param, segment_checked
from services.surveys.results.queries import Results, results
from services.surveys.results.trend import Heatmap, TrendPoint, heatmap, trend


class ResultsController(Controller):
    path = "/api/v1/surveys/{survey_id:str}"
    tags = ("survey results",)

    @get("/results", operation_id="survey_results", opt={"role": "leader"})
    async def get_results(
        self,
        survey_id: FromPath[str],
        state: State,
        principal: NamedDependency[Principal],
        unit: FromQuery[str | None] = None,
        cycle: FromQuery[int | None] = None,
        segment: FromQuery[str | None] = None,
        score: FromQuery[str] = "cycle",
    ) -> Results:
        """Scores of a unit, its children and its own respondents, optionally for one segment."""
        u = await scope(state, principal, survey_id, unit)
        c = await cycle_for(state, survey_id, u, cycle, score)
        return await results(state.resources.pool, c, u, await segment_checked(c, segment))

    @get("/heatmap", operation_id="survey_heatmap", opt={"role": "leader"})
    async def get_heatmap(
        self,
        survey_id: FromPath[str],
        state: State,
        principal: NamedDependency[Principal],
        unit: FromQuery[str | None] = None,
        cycle: FromQuery[int | None] = None,
        score: FromQuery[str] = "cycle",
    ) -> Heatmap:
        """Unit × dimension scores for the children of a unit."""
        u = await scope(state, principal, survey_id, unit)
        return await heatmap(state.resources.pool, await cycle_for(state, survey_id, u, cycle, score), u)

    @get("/trend", operation_id="survey_trend", opt={"role": "leader"})
    async def get_trend(
        self,
        survey_id: FromPath[str],
        state: State,
        principal: NamedDependency[Principal],
        unit: FromQuery[str | None] = None,
        score: FromQuery[str] = "cycle",
    ) -> list[TrendPoint]:
        """A unit's scores across cycles; `definition_changed` marks where scoring changed."""
        u = await scope(state, principal, survey_id, unit)
        return await trend(state.resources.pool, survey_id, u, score_param(score))

    @get("/response-rates", operation_id="survey_response_rates", opt={"role": "leader"})
    async def get_rates(
        self,
        survey_id: FromPath[str],
        state: State,
        principal: NamedDependency[Principal],
        unit: FromQuery[str | None] = None,
        cycle: FromQuery[int | None] = None,
    ) -> list[RateRow]:
        """Respondents against headcount and against codes issued, for a unit and its children."""
        u = await scope(state, principal, survey_id, unit)
        return await response_rates(
            state.resources.pool, await cycle_for(state, survey_id, u, cycle, "cycle"), u
        )

    @get("/ballots", operation_id="survey_ballots", opt={"role": "oversight"})
    async def get_ballots(
        self,
        survey_id: FromPath[str],
        state: State,
        principal: NamedDependency[Principal],
        unit: FromQuery[str | None] = None,
        cycle: FromQuery[int | None] = None,
    ) -> list[BallotRow]:
        """Ballot accounting: recorded ≤ redeemed ≤ issued, per unit of the subtree (leaders
        and admins: the admins who issue the codes answer for the count too)."""
        u = await scope(state, principal, survey_id, unit, "oversight")
        c = await cycle_for(state, survey_id, u, cycle, "cycle")
        return await ballot_accounting(state.resources.pool, c, u, c.definition.access == "code")

    @get("/free-text", operation_id="survey_free_text", opt={"role": "leader"})
    async def get_free_text(
        self,
        survey_id: FromPath[str],
        state: State,
        principal: NamedDependency[Principal],
        unit: FromQuery[str | None] = None,
        cycle: FromQuery[int | None] = None,
    ) -> list[FreeText]:
        """Free-text answers of the units (in the subtree) with at least the comment threshold."""
        u = await scope(state, principal, survey_id, unit)
        return await free_text(state.resources.pool, await cycle_for(state, survey_id, u, cycle, "cycle"), u)

    @get("/export/{table:str}", operation_id="export_survey_table", opt={"role": "leader"})
    async def export_table(
        self,
        survey_id: FromPath[str],
        table: FromPath[str],
        state: State,
        principal: NamedDependency[Principal],
        unit: FromQuery[str | None] = None,
        cycle: FromQuery[int | None] = None,
        segment: FromQuery[str | None] = None,
        score: FromQuery[str] = "cycle",
        format: FromQuery[Literal["csv", "xlsx"]] = "csv",
    ) -> Response[bytes]:
        """Any of the tables above as CSV or XLSX, with exactly the same suppression."""
        if table not in EXPORTS:
            raise BadQuery(f"table is one of {sorted(EXPORTS)}")
        u = await scope(state, principal, survey_id, unit)
        rows = await EXPORTS[table](state, survey_id, u, cycle, segment, score)
        name = f"{table}-{survey_id[:8]}"
        if format == "xlsx":
            body = export.to_xlsx(rows, table)
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            body, media = export.to_csv(rows), "text/csv; charset=utf-8"
        disposition = f'attachment; filename="{name}.{format}"'
        return Response(body, media_type=media, headers={"Content-Disposition": disposition})
