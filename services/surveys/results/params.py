"""Query parameters of the results endpoints: scope, cycle, segment and score version."""

from __future__ import annotations

from litestar.datastructures import State

from services.access.guards import Principal
from services.access.scope import require_unit
from services.problems import Problem
from services.surveys.queries import survey_owner
from services.surveys.results.cycle import Cycle, load_cycle


class BadQuery(Problem):
    status, slug, title = 400, "bad-query", "The query parameters are not valid"


async def scope(
    state: State, principal: Principal, survey_id: str, unit: str | None, need: str = "leader"
) -> str:
    owner = await survey_owner(state.resources.pool, survey_id)
    await require_unit(state.resources.pool, principal, unit or owner, need)
    return unit or owner


def segment_param(segment: str | None) -> tuple[str, str] | None:
    if segment is None:
        return None
    q, sep, v = segment.partition(":")
    if not sep or not q or not v:
        raise BadQuery("segment is QUESTION:OPTION")
    return q, v


def score_param(score: str) -> str | int:
    if score in ("cycle", "latest") or score.isdigit():
        return score if not score.isdigit() else int(score)
    raise BadQuery("score is 'cycle', 'latest' or a version number")


async def cycle_for(state: State, survey_id: str, unit: str, cycle: int | None, score: str) -> Cycle:
    c = await load_cycle(state.resources.pool, survey_id, cycle, score_param(score))
    c.unit(unit)
    return c


async def segment_checked(c: Cycle, segment: str | None) -> tuple[str, str] | None:
    seg = segment_param(segment)
    if seg is not None and seg[0] not in c.manifest.segment_questions:
        raise BadQuery("results can only be split by the segment questions of the privacy manifest")
    return seg
