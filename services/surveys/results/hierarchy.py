"""Consistent suppression across the levels of the tree.

Each results table suppresses within itself, but a caller can ask for a unit directly and
for its parent too. If a unit was hidden in its parent's breakdown (because it is small,
or to protect a small sibling by complementary suppression), showing it on its own would
undo that: parent − this unit − the shown siblings would isolate the small group again.
So a unit's total is shown only if, at every level above it, the unit on its path is
shown in that level's breakdown. Under a segment filter a level whose own filtered total
can't be answered shows nothing, so it constrains nothing.
"""

from __future__ import annotations

import asyncpg

from services.surveys.results.cycle import Cycle
from services.surveys.results.disclosure import isolates, suppressed

OWN = "own"


async def respondents(pool: asyncpg.Pool, c: Cycle, units: list[str], seg: tuple[str, str]) -> dict[str, int]:
    rows = await pool.fetch(
        """SELECT unit_id, n FROM satisfaction_respondents WHERE survey_id = $1 AND cycle = $2
              AND unit_id = ANY($3) AND seg_q = $4 AND seg_v = $5""",
        c.survey_id,
        c.cycle,
        units,
        *seg,
    )
    return {r["unit_id"]: r["n"] for r in rows}


async def hidden_above(pool: asyncpg.Pool, c: Cycle, unit_id: str, segment: tuple[str, str] | None) -> bool:
    path = list(c.unit(unit_id).path)
    ancestors = path[:-1]
    if not ancestors:
        return False
    ids = sorted({*ancestors, *(kid.unit_id for a in ancestors for kid in c.children(a))})
    people = await respondents(pool, c, ids, segment or ("", ""))
    plain = people if segment is None else await respondents(pool, c, ids, ("", ""))
    k = c.manifest.k
    for above, child in zip(ancestors, path[1:], strict=True):
        n = people.get(above, 0)
        if segment is not None and (n < k or isolates(n, plain.get(above, 0), k)):
            continue  # that level's filtered table is refused: nothing there to subtract from
        kids = [kid.unit_id for kid in c.children(above)]
        sizes = {u: people.get(u, 0) for u in kids} | {OWN: n - sum(people.get(u, 0) for u in kids)}
        plains = {u: plain.get(u, 0) for u in kids} | {
            OWN: plain.get(above, 0) - sum(plain.get(u, 0) for u in kids)
        }
        hidden = suppressed(sizes, k, plains if segment is not None else None, parent_shown=n >= k)
        if child in hidden:
            return True
    return False
