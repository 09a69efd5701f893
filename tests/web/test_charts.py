"""Chart geometry is pure: lines per dimension, gaps for suppressed cycles, marks where the
scoring changed."""

from __future__ import annotations

import pytest

from services.surveys.results.scoring import Score
from services.surveys.results.trend import TrendPoint
from services.web.charts import heat_class, trend_chart

pytestmark = pytest.mark.unit


def point(cycle: int, scores: dict[str, float], changed: bool = False, hidden: bool = False) -> TrendPoint:
    return TrendPoint(
        cycle=cycle,
        published_at="",
        score_version=2 if changed else 1,
        definition_changed=changed,
        suppressed=hidden,
        respondents=None if hidden else 9,
        overall=None,
        dimensions={} if hidden else {d: Score(s, 0.5, 9) for d, s in scores.items()},
    )


def test_a_suppressed_cycle_draws_no_dot_and_a_scoring_change_is_marked() -> None:
    chart = trend_chart(
        [point(1, {"a": 80, "b": 70}), point(2, {}, hidden=True), point(3, {"a": 90, "b": 60}, changed=True)],
        ["a", "b"],
    )
    assert sorted(len(line.dots) for line in chart.lines) == [2, 2]
    assert len(chart.suppressed) == 1 and len(chart.changes) == 1
    top, bottom = chart.plot[1], chart.plot[3]
    assert all(top <= y <= bottom for line in chart.lines for _, y, _ in line.dots)
    assert chart.y_ticks[0][1] == 50 and chart.y_ticks[-1][1] == 100  # the axis starts below the lowest


def test_heat_classes_follow_the_score() -> None:
    assert [heat_class(s) for s in (None, 0, 39.9, 80, 100)] == ["", "heat-0", "heat-1", "heat-4", "heat-4"]
