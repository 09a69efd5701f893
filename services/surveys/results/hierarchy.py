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

from collections.abc import Sequence

import asyncpg

from services.surveys.results.cycle import Cycle
from services.surveys.results.disclosure import isolates, suppressed

OWN = "own"
People = dict[tuple[str, str], int]  # (unit, segment option or "") -> respondents


async def respondents(pool: asyncpg.Pool, c: Cycle, units: list[str], seg_q: str) -> People:
    """Respondents of `units`, per option of segment question `seg_q` ('' for everyone)."""
    rows = await pool.fetch(
        """SELECT unit_id, seg_v, respondents AS n FROM satisfaction_by_unit WHERE survey_id = $1
              AND cycle = $2 AND unit_id = ANY($3) AND seg_q = $4""",
        c.survey_id,
        c.cycle,
        units,
        seg_q,
    )
    return {(r["unit_id"], r["seg_v"]): r["n"] for r in rows}


async def hidden_above(pool: asyncpg.Pool, c: Cycle, unit_id: str, segment: tuple[str, str] | None) -> bool:
    if segment is None:
        return bool(await parts_hidden_above(pool, c, unit_id, "", [""]))
    return bool(await parts_hidden_above(pool, c, unit_id, segment[0], [segment[1]]))


async def parts_hidden_above(
    pool: asyncpg.Pool, c: Cycle, unit_id: str, seg_q: str, options: Sequence[str]
) -> set[str]:
    """Which of the unit's parts (options of `seg_q`, or '' = everyone) some level above hides."""
    path = list(c.unit(unit_id).path)
    ancestors = path[:-1]
    if not ancestors:
        return set()
    ids = sorted({*ancestors, *(kid.unit_id for a in ancestors for kid in c.children(a))})
    people = await respondents(pool, c, ids, seg_q)
    plain = people if not seg_q else await respondents(pool, c, ids, "")
    return {o for o in options if _hidden(c, ancestors, path, people, plain, o, bool(seg_q))}


def _hidden(
    c: Cycle, ancestors: list[str], path: list[str], people: People, plain: People, o: str, filtered: bool
) -> bool:
    k = c.manifest.k
    for above, child in zip(ancestors, path[1:], strict=True):
        n = people.get((above, o), 0)
        total = plain.get((above, ""), 0)
        if filtered and (n < k or isolates(n, total, k)):
            continue  # that level's filtered table is refused: nothing there to subtract from
        kids = [kid.unit_id for kid in c.children(above)]
        sizes = {u: people.get((u, o), 0) for u in kids}
        sizes[OWN] = n - sum(sizes.values())
        plains = {u: plain.get((u, ""), 0) for u in kids}
        plains[OWN] = total - sum(plains.values())
        if child in suppressed(sizes, k, plains if filtered else None, parent_shown=n >= k):
            return True
    return False
