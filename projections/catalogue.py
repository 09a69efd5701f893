"""Every projector the service runs, in one list (each slice adds its own here)."""

from __future__ import annotations

from projections.projector import Projector


def all_projectors() -> list[Projector]:
    return []
