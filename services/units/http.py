"""Unit tree over HTTP: admins shape the tree inside their subtree; all staff read theirs."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath

from events.units import UnitKind
from services.access.guards import Principal
from services.access.scope import require_unit
from services.commanding import caught_up, command_id_from, expected_from, strict_body
from services.problems import NotFound
from services.units.commands import (
    CloseUnit,
    CreateUnit,
    MoveUnit,
    RenameUnit,
    SetHeadcount,
    UnitCommand,
)
from services.units.handle import handle
from services.units.queries import UnitRow, UnitView, subtree, unit_tree, units

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=r"\S")]
UnitId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
Headcount = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]


class NewUnit(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    parent_id: UnitId
    name: Name
    kind: UnitKind
    headcount: Headcount = 0


class NewName(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Name


class NewParent(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    parent_id: UnitId


class NewHeadcount(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    headcount: Headcount


class UnitController(Controller):
    path = "/api/v1/units"
    tags = ("units",)

    @post("/", operation_id="create_unit", opt={"role": "admin"}, status_code=201)
    async def create_unit(
        self,
        data: NewUnit,
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[UnitView]:
        """Create a unit under a parent inside the caller's admin subtree."""
        body = await strict_body(request, NewUnit)
        await require_unit(state.resources.pool, principal, body.parent_id, "admin")
        command_id = command_id_from(request.headers, state.ids)
        unit_id = str(uuid.uuid5(command_id, "unit"))  # a retried request names the same unit
        command = CreateUnit(
            unit_id=unit_id,
            parent_id=body.parent_id,
            name=body.name,
            kind=body.kind,
            headcount=body.headcount,
        )
        return await _run(request, state, principal, command, command_id, status=201)

    @get("/", operation_id="list_units", opt={"role": "staff"})
    async def list_units(self, state: State, principal: NamedDependency[Principal]) -> list[UnitRow]:
        """The units on which the caller holds a role: the tops of their subtrees."""
        return await units(state.resources.pool, principal.units_with("staff"))

    @get("/{unit_id:str}", operation_id="get_unit", opt={"role": "staff"})
    async def get_unit(
        self, unit_id: FromPath[str], state: State, principal: NamedDependency[Principal]
    ) -> Response[UnitView]:
        """One unit with the path from the root and the headcount of its subtree."""
        await require_unit(state.resources.pool, principal, unit_id, "staff")
        return await _view(state, unit_id)

    @get("/{unit_id:str}/subtree", operation_id="get_unit_subtree", opt={"role": "staff"})
    async def get_subtree(
        self, unit_id: FromPath[str], state: State, principal: NamedDependency[Principal]
    ) -> list[UnitRow]:
        """The unit and every unit below it, parents first."""
        await require_unit(state.resources.pool, principal, unit_id, "staff")
        return await subtree(state.resources.pool, unit_id)

    @post("/{unit_id:str}/rename", operation_id="rename_unit", opt={"role": "admin"}, status_code=200)
    async def rename(
        self,
        data: NewName,
        unit_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[UnitView]:
        """Rename a unit (If-Match: the ETag last seen)."""
        body = await strict_body(request, NewName)
        return await _edit(request, state, principal, RenameUnit(unit_id=unit_id, name=body.name))

    @post("/{unit_id:str}/move", operation_id="move_unit", opt={"role": "admin"}, status_code=200)
    async def move(
        self,
        data: NewParent,
        unit_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[UnitView]:
        """Move a unit (and its subtree) under another parent inside the caller's subtree."""
        body = await strict_body(request, NewParent)
        await require_unit(state.resources.pool, principal, body.parent_id, "admin")
        return await _edit(request, state, principal, MoveUnit(unit_id=unit_id, parent_id=body.parent_id))

    @post(
        "/{unit_id:str}/headcount", operation_id="set_unit_headcount", opt={"role": "admin"}, status_code=200
    )
    async def headcount(
        self,
        data: NewHeadcount,
        unit_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[UnitView]:
        """Set how many staff the unit has (response rates are measured against it)."""
        body = await strict_body(request, NewHeadcount)
        return await _edit(request, state, principal, SetHeadcount(unit_id=unit_id, headcount=body.headcount))

    @post("/{unit_id:str}/close", operation_id="close_unit", opt={"role": "admin"}, status_code=200)
    async def close(
        self,
        unit_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[UnitView]:
        """Close a unit: it keeps its history and takes no new units below it."""
        return await _edit(request, state, principal, CloseUnit(unit_id=unit_id))


async def _edit(
    request: Request[Any, Any, Any], state: State, principal: Principal, command: UnitCommand
) -> Response[UnitView]:
    await require_unit(state.resources.pool, principal, command.unit_id, "admin")
    return await _run(request, state, principal, command, command_id_from(request.headers, state.ids))


async def _run(
    request: Request[Any, Any, Any],
    state: State,
    principal: Principal,
    command: UnitCommand,
    command_id: uuid.UUID,
    status: int = 200,
) -> Response[UnitView]:
    outcome = await handle(
        state.resources.store,
        command,
        command_id=command_id,
        actor=principal.account_id,
        expected=expected_from(request.headers),
    )
    await caught_up(state.resources.pool, ["unit_tree"], outcome.position)  # read-your-writes
    return await _view(state, command.unit_id, status)


async def _view(state: State, unit_id: str, status: int = 200) -> Response[UnitView]:
    view = await unit_tree(state.resources.pool, unit_id)
    if view is None:
        raise NotFound()
    return Response(view, status_code=status, headers={"ETag": f'"{view.unit.version}"'})
