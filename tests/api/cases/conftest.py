"""Case journeys start from the access tests' world: R → A → A1, R → B → B1, roles on A."""

from __future__ import annotations

from tests.support.access import settings, world

__all__ = ["settings", "world"]
