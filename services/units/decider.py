"""Pure decisions for the unit tree: decide(command, state) -> events; evolve(state, event).

A unit's own stream says whether it exists and is open. Creating and moving also depend on
the target parent, so the state handed to `decide` carries that parent and the path from
the root down to it (read by handle.py under the tree lock, so it cannot change meanwhile).
"""

from __future__ import annotations

from typing import assert_never

import msgspec

from events.base import Event
from events.units import HeadcountSet, UnitClosed, UnitCreated, UnitMoved, UnitRenamed
from services.problems import Problem
from services.units.commands import (
    CloseUnit,
    CreateUnit,
    MoveUnit,
    RenameUnit,
    SetHeadcount,
    UnitCommand,
)


class UnitNotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class UnitExists(Problem):
    status, slug, title = 409, "unit-exists", "A unit with this id already exists"


class UnitIsClosed(Problem):
    status, slug, title = 409, "unit-closed", "The unit is closed"


class MoveIntoOwnSubtree(Problem):
    status, slug, title = 409, "move-into-own-subtree", "A unit cannot move under itself"


class RootCannotMove(Problem):
    status, slug, title = 409, "root-cannot-move", "A root unit stays at the root"


class UnitState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    unit_id: str = ""
    parent_id: str | None = None
    name: str = ""
    kind: str = ""
    headcount: int = 0
    closed: bool = False


INITIAL = UnitState()


class TreeState(msgspec.Struct, frozen=True, kw_only=True):
    unit: UnitState = INITIAL
    parent: UnitState | None = None  # the target parent of a create or a move
    parent_path: tuple[str, ...] = ()  # unit ids from the root down to the target parent


def evolve(state: UnitState, event: Event) -> UnitState:
    match event:
        case UnitCreated():
            return UnitState(
                exists=True,
                unit_id=event.unit_id,
                parent_id=event.parent_id,
                name=event.name,
                kind=event.kind,
                headcount=event.headcount,
            )
        case UnitRenamed():
            return msgspec.structs.replace(state, name=event.name)
        case UnitMoved():
            return msgspec.structs.replace(state, parent_id=event.parent_id)
        case HeadcountSet():
            return msgspec.structs.replace(state, headcount=event.headcount)
        case UnitClosed():
            return msgspec.structs.replace(state, closed=True)
    return state


def decide(command: UnitCommand, state: TreeState) -> list[Event]:
    match command:
        case CreateUnit():
            return _create(command, state)
        case RenameUnit():
            unit = _open(state)
            return [] if unit.name == command.name else [UnitRenamed(unit_id=unit.unit_id, name=command.name)]
        case MoveUnit():
            return _move(command, state)
        case SetHeadcount():
            unit = _open(state)
            if unit.headcount == command.headcount:
                return []
            return [HeadcountSet(unit_id=unit.unit_id, headcount=command.headcount)]
        case CloseUnit():
            unit = _existing(state)
            return [] if unit.closed else [UnitClosed(unit_id=unit.unit_id)]
        case _:
            assert_never(command)


def _existing(state: TreeState) -> UnitState:
    if not state.unit.exists:
        raise UnitNotFound()
    return state.unit


def _open(state: TreeState) -> UnitState:
    unit = _existing(state)
    if unit.closed:
        raise UnitIsClosed()
    return unit


def _open_parent(state: TreeState) -> UnitState:
    if state.parent is None or not state.parent.exists:
        raise UnitNotFound("the parent unit does not exist")
    if state.parent.closed:
        raise UnitIsClosed("the parent unit is closed and takes no new units")
    return state.parent


def _create(command: CreateUnit, state: TreeState) -> list[Event]:
    if state.unit.exists:
        raise UnitExists()
    if command.parent_id is not None:
        _open_parent(state)
    return [
        UnitCreated(
            unit_id=command.unit_id,
            parent_id=command.parent_id,
            name=command.name,
            kind=command.kind,
            headcount=command.headcount,
        )
    ]


def _move(command: MoveUnit, state: TreeState) -> list[Event]:
    unit = _open(state)
    if unit.parent_id is None:
        raise RootCannotMove()
    if command.parent_id == unit.unit_id or unit.unit_id in state.parent_path:
        raise MoveIntoOwnSubtree()
    _open_parent(state)
    if unit.parent_id == command.parent_id:
        return []
    return [UnitMoved(unit_id=unit.unit_id, parent_id=command.parent_id, previous_parent_id=unit.parent_id)]


def fold(events: list[Event], state: UnitState = INITIAL) -> UnitState:
    for e in events:
        state = evolve(state, e)
    return state
