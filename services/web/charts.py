"""Chart geometry for server-rendered SVG: pure functions, no I/O, no chart library.

The template draws what these return; screen readers get the same numbers from the table
that accompanies every chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

WIDTH, HEIGHT = 560, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 24, 16, 36
# Colour-blind-safe line colours (Okabe–Ito), one per dimension in order.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


class Line(msgspec.Struct, frozen=True):
    key: str
    colour: str
    points: str  # "x,y x,y" for <polyline>
    dots: list[tuple[float, float, float]]  # x, y, value


class TrendChart(msgspec.Struct, frozen=True):
    width: int
    height: int
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, int]]
    lines: list[Line]
    changes: list[float]  # x of cycles where the score definition changed
    suppressed: list[float]  # x of cycles shown as fewer than k
    plot: tuple[float, float, float, float]  # left, top, right, bottom


def _x(i: int, n: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span / 2 if n == 1 else span * i / (n - 1))


def _y(value: float, low: float = 0.0) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - low) / (100 - low))


def _floor(points: Sequence[Any]) -> float:
    """The axis starts a little below the lowest score (in tens), so close lines stay apart."""
    scores = [
        s.score for p in points if not p.suppressed for s in p.dimensions.values() if s.score is not None
    ]
    return 0.0 if not scores else max(0.0, (min(scores) - 5) // 10 * 10)


def trend_chart(points: Sequence[Any], dimensions: Sequence[str]) -> TrendChart:
    """Points are the surveys slice's TrendPoints (cycle, suppressed, dimensions: Score)."""
    n = len(points)
    low = _floor(points)
    lines = []
    for k, dim in enumerate(dimensions):
        dots = [
            (_x(i, n), _y(p.dimensions[dim].score, low), p.dimensions[dim].score)
            for i, p in enumerate(points)
            if not p.suppressed and dim in p.dimensions and p.dimensions[dim].score is not None
        ]
        if dots:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in dots)
            lines.append(Line(dim, COLOURS[k % len(COLOURS)], coords, dots))
    return TrendChart(
        width=WIDTH,
        height=HEIGHT,
        x_ticks=[(_x(i, n), str(p.cycle)) for i, p in enumerate(points)],
        y_ticks=[(_y(v, low), int(v)) for v in (low + (100 - low) * i / 4 for i in range(5))],
        lines=lines,
        changes=[_x(i, n) for i, p in enumerate(points) if p.definition_changed],
        suppressed=[_x(i, n) for i, p in enumerate(points) if p.suppressed],
        plot=(LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM),
    )


def heat_class(score: float | None) -> str:
    """A 5-step scale for heatmap cells (0–100); the number is always printed too."""
    if score is None:
        return ""
    return f"heat-{min(4, int(score // 20))}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"
