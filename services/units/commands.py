"""Unit tree commands: what an admin asks for. Validation of shapes happens in http.py."""

from __future__ import annotations

import msgspec

from events.units import UnitKind


class CreateUnit(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: str
    parent_id: str | None
    name: str
    kind: UnitKind
    headcount: int = 0


class RenameUnit(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: str
    name: str


class MoveUnit(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: str
    parent_id: str


class SetHeadcount(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: str
    headcount: int


class CloseUnit(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: str


UnitCommand = CreateUnit | RenameUnit | MoveUnit | SetHeadcount | CloseUnit
