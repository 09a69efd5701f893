"""Unit tree events: stream `unit-{id}`. A unit is a node of the county's organisation tree.

Every figure elsewhere rolls up this tree, and every staff role is scoped to a subtree of it.
"""

from __future__ import annotations

from typing import Literal

from events.base import Event

UnitKind = Literal["bureau", "school", "department", "union", "league", "women", "other"]
UNIT_KINDS: tuple[str, ...] = ("bureau", "school", "department", "union", "league", "women", "other")


class UnitCreated(Event, frozen=True):
    unit_id: str
    parent_id: str | None  # None only for a root, created by the operator's CLI
    name: str
    kind: UnitKind
    headcount: int = 0


class UnitRenamed(Event, frozen=True):
    unit_id: str
    name: str


class UnitMoved(Event, frozen=True):
    unit_id: str
    parent_id: str
    previous_parent_id: str | None


class HeadcountSet(Event, frozen=True):
    unit_id: str
    headcount: int


class UnitClosed(Event, frozen=True):
    unit_id: str


def stream(unit_id: str) -> str:
    return f"unit-{unit_id}"
