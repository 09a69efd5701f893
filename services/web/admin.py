"""Administrators' pages: the unit tree, accounts and roles. Each form runs the same command
as the JSON API, through the same handlers, scoped to the admin's subtree (else 404)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal, get_args

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from events.accounts import Role
from events.units import UnitKind
from projections.runner import wait_for
from services.access.commands import CreateAccount, GrantRole, RevokeRole
from services.access.credentials import normalise_login
from services.access.guards import Principal
from services.access.http_accounts import run_account_command
from services.access.queries import accounts_under
from services.access.scope import require_account, require_unit
from services.surveys.queries import surveys_in
from services.units.commands import CreateUnit
from services.units.handle import handle as handle_unit
from services.units.queries import units as units_by_id
from services.web.forms import staff_form
from services.web.lookups import open_units
from services.web.render import page

UnitId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=r"\S")]


class UnitForm(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    parent_id: UnitId
    name: Name
    kind: UnitKind
    headcount: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 0


class AccountForm(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    login: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    display_name: Name
    unit_id: UnitId
    password: Annotated[str, msgspec.Meta(min_length=10, max_length=1024)]
    role: Role | Literal["none"] = "none"


class RoleForm(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    account_id: UnitId
    unit_id: UnitId
    role: Role
    action: Literal["grant", "revoke"]


class AdminPages(Controller):
    @get("/admin", opt={"role": "admin"}, include_in_schema=False)
    async def home(
        self, request: Request[Any, Any, Any], state: State, principal: NamedDependency[Principal]
    ) -> Template:
        pool = state.resources.pool
        mine = principal.units_with("admin")
        tree = await open_units(pool, mine)
        rows = {u.unit_id: u for u in await units_by_id(pool, [u.unit_id for u in tree])}
        return await page(
            request,
            "admin_home.html",
            tree=tree,
            rows=rows,
            accounts=await accounts_under(pool, sorted(mine)),
            surveys=await surveys_in(pool, mine),
            names={u.unit_id: u.name for u in tree},
            kinds=get_args(UnitKind),
        )

    @post("/admin/units", opt={"role": "admin"}, include_in_schema=False, status_code=303)
    async def create_unit(
        self, request: Request[Any, Any, Any], state: State, principal: NamedDependency[Principal]
    ) -> Redirect:
        form, cmd_id = await staff_form(request, UnitForm)
        await require_unit(state.resources.pool, principal, form.parent_id, "admin")
        command = CreateUnit(
            unit_id=str(uuid.uuid5(cmd_id, "unit")),
            parent_id=form.parent_id,
            name=form.name,
            kind=form.kind,
            headcount=form.headcount,
        )
        outcome = await handle_unit(
            state.resources.store, command, command_id=cmd_id, actor=principal.account_id
        )
        if outcome.position is not None:
            await wait_for(state.resources.pool, ["unit_tree"], outcome.position)
        return Redirect("/admin", status_code=303)

    @post("/admin/accounts", opt={"role": "admin"}, include_in_schema=False, status_code=303)
    async def create_account(
        self, request: Request[Any, Any, Any], state: State, principal: NamedDependency[Principal]
    ) -> Redirect:
        form, cmd_id = await staff_form(request, AccountForm)
        await require_unit(state.resources.pool, principal, form.unit_id, "admin")
        account_id = str(uuid.uuid5(cmd_id, "account"))
        create = CreateAccount(
            account_id=account_id,
            login=normalise_login(form.login),
            display_name=form.display_name,
            unit_id=form.unit_id,
        )
        await run_account_command(
            request, state, principal, create, cmd_id, password=form.password, status=201
        )
        if form.role != "none":
            grant = GrantRole(account_id=account_id, unit_id=form.unit_id, role=form.role)
            await run_account_command(request, state, principal, grant, uuid.uuid5(cmd_id, "grant"))
        return Redirect("/admin", status_code=303)

    @post("/admin/roles", opt={"role": "admin"}, include_in_schema=False, status_code=303)
    async def change_role(
        self, request: Request[Any, Any, Any], state: State, principal: NamedDependency[Principal]
    ) -> Redirect:
        """Grant or revoke a role on a unit of the admin's subtree (the account's too: else 404)."""
        form, cmd_id = await staff_form(request, RoleForm)
        await require_unit(state.resources.pool, principal, form.unit_id, "admin")
        await require_account(state.resources.pool, principal, form.account_id)
        kind = GrantRole if form.action == "grant" else RevokeRole
        command = kind(account_id=form.account_id, unit_id=form.unit_id, role=form.role)
        await run_account_command(request, state, principal, command, cmd_id)
        return Redirect("/admin", status_code=303)
