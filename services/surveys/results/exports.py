"""The tables a leader can export, each gathered through the same query functions (and so
the same disclosure control) as its JSON endpoint."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.datastructures import State

from services.surveys.results import export
from services.surveys.results.accounting import ballot_accounting, free_text, response_rates
from services.surveys.results.params import cycle_for, score_param, segment_checked
from services.surveys.results.queries import results
from services.surveys.results.trend import heatmap, trend

Exporter = Callable[[State, str, str, int | None, str | None, str], Awaitable[export.Table]]


async def _x_results(
    state: State, sid: str, u: str, cy: int | None, seg: str | None, score: str
) -> export.Table:
    c = await cycle_for(state, sid, u, cy, score)
    return export.results_table(await results(state.resources.pool, c, u, await segment_checked(c, seg)))


async def _x_heatmap(
    state: State, sid: str, u: str, cy: int | None, seg: str | None, score: str
) -> export.Table:
    return export.heatmap_table(
        await heatmap(state.resources.pool, await cycle_for(state, sid, u, cy, score), u)
    )


async def _x_trend(
    state: State, sid: str, u: str, cy: int | None, seg: str | None, score: str
) -> export.Table:
    return export.trend_table(await trend(state.resources.pool, sid, u, score_param(score)))


async def _x_rates(
    state: State, sid: str, u: str, cy: int | None, seg: str | None, score: str
) -> export.Table:
    c = await cycle_for(state, sid, u, cy, "cycle")
    return export.rates_table(await response_rates(state.resources.pool, c, u))


async def _x_ballots(
    state: State, sid: str, u: str, cy: int | None, seg: str | None, score: str
) -> export.Table:
    c = await cycle_for(state, sid, u, cy, "cycle")
    return export.ballots_table(
        await ballot_accounting(state.resources.pool, c, u, c.definition.access == "code")
    )


async def _x_text(
    state: State, sid: str, u: str, cy: int | None, seg: str | None, score: str
) -> export.Table:
    c = await cycle_for(state, sid, u, cy, "cycle")
    return export.free_text_table(await free_text(state.resources.pool, c, u))


EXPORTS: dict[str, Exporter] = {
    "results": _x_results,
    "heatmap": _x_heatmap,
    "trend": _x_trend,
    "response-rates": _x_rates,
    "ballots": _x_ballots,
    "free-text": _x_text,
}
