"""Results over HTTP for the leading group: scores, heatmap, trend, response rates, ballot
accounting, free text, and their CSV / XLSX exports. Scoped to the caller's leader
subtree (a unit outside it answers 404); every figure passes disclosure control."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from services.access.guards import Principal
from services.access.scope import require_unit
from services.problems import Problem
from services.surveys.queries import survey_owner
from services.surveys.results import export
from services.surveys.results.accounting import (
    BallotRow,
    FreeText,
    RateRow,
    ballot_accounting,
    free_text,
    response_rates,
)
from services.surveys.results.cycle import Cycle, load_cycle
from services.surveys.results.queries import Results, results
from services.surveys.results.trend import Heatmap, TrendPoint, heatmap, trend

Tables = Literal["results", "heatmap", "trend", "response-rates", "ballots", "free-text"]


class BadQuery(Problem):
    status, slug, title = 400, "bad-query", "The query parameters are not valid"


async def _scope(state: State, principal: Principal, survey_id: str, unit: str | None) -> str:
    owner = await survey_owner(state.resources.pool, survey_id)
    await require_unit(state.resources.pool, principal, unit or owner, "leader")
    return unit or owner


def _segment(segment: str | None) -> tuple[str, str] | None:
    if segment is None:
        return None
    q, sep, v = segment.partition(":")
    if not sep or not q or not v:
        raise BadQuery("segment is QUESTION:OPTION")
    return q, v


def _score(score: str) -> str | int:
    if score in ("cycle", "latest") or score.isdigit():
        return score if not score.isdigit() else int(score)
    raise BadQuery("score is 'cycle', 'latest' or a version number")


async def _cycle(state: State, survey_id: str, unit: str, cycle: int | None, score: str) -> Cycle:
    c = await load_cycle(state.resources.pool, survey_id, cycle, _score(score))
    c.unit(unit)
    return c


async def _segment_checked(c: Cycle, segment: str | None) -> tuple[str, str] | None:
    seg = _segment(segment)
    if seg is not None and seg[0] not in c.manifest.segment_questions:
        raise BadQuery("results can only be split by the segment questions of the privacy manifest")
    return seg


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
        u = await _scope(state, principal, survey_id, unit)
        c = await _cycle(state, survey_id, u, cycle, score)
        return await results(state.resources.pool, c, u, await _segment_checked(c, segment))

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
        u = await _scope(state, principal, survey_id, unit)
        return await heatmap(state.resources.pool, await _cycle(state, survey_id, u, cycle, score), u)

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
        u = await _scope(state, principal, survey_id, unit)
        return await trend(state.resources.pool, survey_id, u, _score(score))

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
        u = await _scope(state, principal, survey_id, unit)
        return await response_rates(
            state.resources.pool, await _cycle(state, survey_id, u, cycle, "cycle"), u
        )

    @get("/ballots", operation_id="survey_ballots", opt={"role": "leader"})
    async def get_ballots(
        self,
        survey_id: FromPath[str],
        state: State,
        principal: NamedDependency[Principal],
        unit: FromQuery[str | None] = None,
        cycle: FromQuery[int | None] = None,
    ) -> list[BallotRow]:
        """Ballot accounting: recorded ≤ redeemed ≤ issued, per unit of the subtree."""
        u = await _scope(state, principal, survey_id, unit)
        c = await _cycle(state, survey_id, u, cycle, "cycle")
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
        u = await _scope(state, principal, survey_id, unit)
        return await free_text(state.resources.pool, await _cycle(state, survey_id, u, cycle, "cycle"), u)

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
        if table not in _EXPORTS:
            raise BadQuery(f"table is one of {sorted(_EXPORTS)}")
        u = await _scope(state, principal, survey_id, unit)
        rows = await _EXPORTS[table](state, survey_id, u, cycle, segment, score)
        name = f"{table}-{survey_id[:8]}"
        if format == "xlsx":
            body = export.to_xlsx(rows, table)
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            body, media = export.to_csv(rows), "text/csv; charset=utf-8"
        disposition = f'attachment; filename="{name}.{format}"'
        return Response(body, media_type=media, headers={"Content-Disposition": disposition})


Exporter = Callable[[State, str, str, int | None, str | None, str], Awaitable[export.Table]]


async def _x_results(
    state: State, sid: str, u: str, cy: int | None, seg: str | None, score: str
) -> export.Table:
    c = await _cycle(state, sid, u, cy, score)
    return export.results_table(await results(state.resources.pool, c, u, await _segment_checked(c, seg)))


async def _x_heatmap(
    state: State, sid: str, u: str, cy: int | None, seg: str | None, score: str
) -> export.Table:
    return export.heatmap_table(
        await heatmap(state.resources.pool, await _cycle(state, sid, u, cy, score), u)
    )


async def _x_trend(
    state: State, sid: str, u: str, cy: int | None, seg: str | None, score: str
) -> export.Table:
    return export.trend_table(await trend(state.resources.pool, sid, u, _score(score)))


async def _x_rates(
    state: State, sid: str, u: str, cy: int | None, seg: str | None, score: str
) -> export.Table:
    c = await _cycle(state, sid, u, cy, "cycle")
    return export.rates_table(await response_rates(state.resources.pool, c, u))


async def _x_ballots(
    state: State, sid: str, u: str, cy: int | None, seg: str | None, score: str
) -> export.Table:
    c = await _cycle(state, sid, u, cy, "cycle")
    return export.ballots_table(
        await ballot_accounting(state.resources.pool, c, u, c.definition.access == "code")
    )


async def _x_text(
    state: State, sid: str, u: str, cy: int | None, seg: str | None, score: str
) -> export.Table:
    c = await _cycle(state, sid, u, cy, "cycle")
    return export.free_text_table(await free_text(state.resources.pool, c, u))


_EXPORTS: dict[str, Exporter] = {
    "results": _x_results,
    "heatmap": _x_heatmap,
    "trend": _x_trend,
    "response-rates": _x_rates,
    "ballots": _x_ballots,
    "free-text": _x_text,
}
