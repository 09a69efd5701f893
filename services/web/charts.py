"""Chart geometry for server-rendered SVG: pure functions, no I/O, no chart library.

The template draws what these return; screen readers get the same numbers from the table
that accompanies every chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

WIDTH, HEIGHT = 560, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 120, 16, 36
# Colour-blind-safe line colours (Okabe–Ito), one per dimension in order.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


class Line(msgspec.Struct, frozen=True):
    key: str
    colour: str
    points: str  # "x,y x,y" for <polyline>
    dots: list[tuple[float, float, float]]  # x, y, value
    label_y: float


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


def _y(value: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / 100)


def trend_chart(points: Sequence[Any], dimensions: Sequence[str]) -> TrendChart:
    """Points are the surveys slice's TrendPoints (cycle, suppressed, dimensions: Score)."""
    n = len(points)
    lines = []
    for k, dim in enumerate(dimensions):
        dots = [
            (_x(i, n), _y(p.dimensions[dim].score), p.dimensions[dim].score)
            for i, p in enumerate(points)
            if not p.suppressed and dim in p.dimensions and p.dimensions[dim].score is not None
        ]
        if dots:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in dots)
            lines.append(Line(dim, COLOURS[k % len(COLOURS)], coords, dots, dots[-1][1]))
    return TrendChart(
        width=WIDTH,
        height=HEIGHT,
        x_ticks=[(_x(i, n), str(p.cycle)) for i, p in enumerate(points)],
        y_ticks=[(_y(v), v) for v in (0, 25, 50, 75, 100)],
        lines=_spread(lines),
        changes=[_x(i, n) for i, p in enumerate(points) if p.definition_changed],
        suppressed=[_x(i, n) for i, p in enumerate(points) if p.suppressed],
        plot=(LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM),
    )


def _spread(lines: list[Line], gap: float = 12.0) -> list[Line]:
    """Keep the end labels of lines that finish close together from overlapping."""
    out: list[Line] = []
    last = -1e9
    for line in sorted(lines, key=lambda x: x.label_y):
        y = max(line.label_y, last + gap)
        out.append(msgspec.structs.replace(line, label_y=y))
        last = y
    return out


def heat_class(score: float | None) -> str:
    """A 5-step scale for heatmap cells (0–100); the number is always printed too."""
    if score is None:
        return ""
    return f"heat-{min(4, int(score // 20))}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"
