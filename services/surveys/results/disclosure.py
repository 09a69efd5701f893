"""Disclosure control: which cells may be shown. Pure, no I/O; every query goes through it.

* A cell with fewer than k respondents is suppressed (0 shows as an empty cell: it says
  nothing about anybody).
* Complementary suppression: when a parent is shown, its suppressed children must not be
  recoverable as "parent minus the shown children", so more children are suppressed, the
  smallest first, until the suppressed ones are at least two and together at least k.
* Under a filter, a cell is also suppressed when its remainder (the unfiltered cell minus
  the filtered one) is between 1 and k−1: the unfiltered figures are shown elsewhere, and
  their difference would isolate those few people.
* A filter whose own result or remainder is under k is refused outright.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.problems import Problem


class FilterTooNarrow(Problem):
    status, slug, title = 422, "filter-too-narrow", "This filter would single out fewer than k respondents"


def isolates(n: int, unfiltered: int | None, k: int) -> bool:
    if 0 < n < k:
        return True
    return unfiltered is not None and 0 < unfiltered - n < k


def check_filter(n: int, unfiltered: int, k: int) -> None:
    if n < k or 0 < unfiltered - n < k:
        raise FilterTooNarrow(
            f"the filter leaves {'fewer than k' if n < k else 'a remainder under k'} (k = {k})", k=k
        )


def suppressed(
    children: Mapping[str, int],
    k: int,
    unfiltered: Mapping[str, int] | None = None,
    parent_shown: bool = True,
    force: frozenset[str] = frozenset(),
) -> set[str]:
    """The children to suppress, given their respondent counts (and unfiltered counts).

    `force`: children already hidden elsewhere (see hierarchy.py), to be protected here too.
    """
    if not parent_shown:
        return set(children)
    hidden = {
        c for c, n in children.items() if isolates(n, None if unfiltered is None else unfiltered.get(c), k)
    } | (force & set(children))
    if not hidden:
        return hidden
    shown = sorted((n, c) for c, n in children.items() if c not in hidden and n > 0)
    while (len(hidden) < 2 or sum(children[c] for c in hidden) < k) and shown:
        hidden.add(shown.pop(0)[1])
    return hidden
