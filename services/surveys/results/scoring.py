"""Scores from distributions under a score definition: pure, no I/O.

A score is the mean on a 0–100 scale; the favourable share is the part of scored answers
at or above the cut-off. 不了解 ("unknown") is never scored: it counts in the distribution
and nowhere else. Several questions (a dimension, the whole survey) pool their answers.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec


class ScoreDefinition(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    likert_weights: dict[str, float]
    favourable_likert: tuple[str, ...]
    rating_favourable_min: int = 4
    recommend_favourable_min: int = 9


class Score(msgspec.Struct, frozen=True):
    score: float | None  # mean, 0–100
    favourable: float | None  # share of scored answers, 0–1
    n: int  # scored answers (不了解 excluded)


def _points(kind: str, value: str, d: ScoreDefinition) -> tuple[float, bool] | None:
    """(points on 0–100, favourable?) of one answer value, or None when it is not scored."""
    if kind == "likert":
        if value not in d.likert_weights:
            return None
        return d.likert_weights[value], value in d.favourable_likert
    if kind in ("rating5", "recommend10"):
        try:
            v = int(value)
        except ValueError:
            return None
        if kind == "rating5":
            return (v - 1) * 25.0, v >= d.rating_favourable_min
        return v * 10.0, v >= d.recommend_favourable_min
    return None


def pooled(items: Iterable[tuple[str, dict[str, int]]], d: ScoreDefinition) -> Score:
    """Pool (question kind, distribution) pairs into one score."""
    total = favourable = n = 0.0
    for kind, dist in items:
        for value, count in dist.items():
            p = _points(kind, value, d)
            if p is not None:
                total += p[0] * count
                favourable += count if p[1] else 0
                n += count
    if not n:
        return Score(None, None, 0)
    return Score(round(total / n, 1), round(favourable / n, 3), int(n))
