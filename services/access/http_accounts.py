"""Accounts and roles over HTTP, for admins, inside their subtree only.

An account belongs to its home unit; a role may be granted on any unit of the admin's
subtree. Every change is an event carrying the admin as its actor (see GET /api/v1/audit).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from events.accounts import Role
from services.access import sessions
from services.access.commands import (
    AccountCommand,
    CreateAccount,
    DisableAccount,
    GrantRole,
    RenameAccount,
    RevokeRole,
)
from services.access.credentials import normalise_login
from services.access.guards import Principal
from services.access.handle import handle
from services.access.http_auth import NewPassword
from services.access.passwords import hash_password
from services.access.queries import AccountView, account_directory, accounts_under
from services.access.scope import require_account, require_unit
from services.commanding import caught_up, command_id_from, expected_from, strict_body
from services.problems import NotFound

LoginName = Annotated[str, msgspec.Meta(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S")]
UnitId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


class NewAccount(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    login: LoginName
    display_name: DisplayName
    unit_id: UnitId  # home unit
    password: NewPassword


class NewDisplayName(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    display_name: DisplayName


class NewGrant(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    unit_id: UnitId
    role: Role


class AccountController(Controller):
    path = "/api/v1/accounts"
    tags = ("access",)

    @post("/", operation_id="create_account", opt={"role": "admin"}, status_code=201)
    async def create_account(
        self,
        data: NewAccount,
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[AccountView]:
        """Create an account at a home unit inside the caller's subtree, with a first password."""
        body = await strict_body(request, NewAccount)
        await require_unit(state.resources.pool, principal, body.unit_id, "admin")
        command_id = command_id_from(request.headers, state.ids)
        command = CreateAccount(
            account_id=str(uuid.uuid5(command_id, "account")),
            login=normalise_login(body.login),
            display_name=body.display_name,
            unit_id=body.unit_id,
        )
        return await run_account_command(
            request, state, principal, command, command_id, password=body.password, status=201
        )

    @get("/", operation_id="list_accounts", opt={"role": "admin"})
    async def list_accounts(
        self,
        state: State,
        principal: NamedDependency[Principal],
        unit: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> list[AccountView]:
        """Accounts whose home unit is in the caller's subtree (or under `unit`)."""
        if unit is not None:
            await require_unit(state.resources.pool, principal, unit, "admin")
            return await accounts_under(state.resources.pool, [unit])
        return await accounts_under(state.resources.pool, sorted(principal.units_with("admin")))

    @get("/{account_id:str}", operation_id="get_account", opt={"role": "admin"})
    async def get_account(
        self, account_id: FromPath[str], state: State, principal: NamedDependency[Principal]
    ) -> AccountView:
        """One account with its roles."""
        await require_account(state.resources.pool, principal, account_id)
        return await _view(state, account_id)

    @post("/{account_id:str}/roles", operation_id="grant_role", opt={"role": "admin"}, status_code=200)
    async def grant(
        self,
        data: NewGrant,
        account_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[AccountView]:
        """Grant a role on a unit of the caller's subtree; it covers that unit's subtree."""
        body = await strict_body(request, NewGrant)
        await require_unit(state.resources.pool, principal, body.unit_id, "admin")
        return await edit_account(
            request, state, principal, GrantRole(account_id=account_id, unit_id=body.unit_id, role=body.role)
        )

    @delete(
        "/{account_id:str}/roles/{unit_id:str}/{role:str}",
        operation_id="revoke_role",
        opt={"role": "admin"},
        status_code=200,
    )
    async def revoke(
        self,
        account_id: FromPath[str],
        unit_id: FromPath[str],
        role: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[AccountView]:
        """Revoke a role; the account loses it on its very next request."""
        if role not in ("admin", "leader", "handler"):
            raise NotFound()
        await require_unit(state.resources.pool, principal, unit_id, "admin")
        command = RevokeRole(account_id=account_id, unit_id=unit_id, role=role)  # type: ignore[arg-type]
        return await edit_account(request, state, principal, command)

    @post("/{account_id:str}/rename", operation_id="rename_account", opt={"role": "admin"}, status_code=200)
    async def rename(
        self,
        data: NewDisplayName,
        account_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[AccountView]:
        """Change how the account's name is shown (the login never changes)."""
        body = await strict_body(request, NewDisplayName)
        command = RenameAccount(account_id=account_id, display_name=body.display_name)
        return await edit_account(request, state, principal, command)

    @post("/{account_id:str}/disable", operation_id="disable_account", opt={"role": "admin"}, status_code=200)
    async def disable(
        self,
        account_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[AccountView]:
        """Disable an account: it can no longer sign in, and its sessions and tokens end."""
        answer = await edit_account(request, state, principal, DisableAccount(account_id=account_id))
        # The guard already refuses a disabled account; this only clears what is now dead.
        await sessions.close_all(state.resources.pool, account_id)
        await sessions.revoke_all_tokens(state.resources.pool, account_id, state.clock.now())
        return answer


async def edit_account(
    request: Request[Any, Any, Any],
    state: State,
    principal: Principal,
    command: AccountCommand,
    password: str | None = None,
) -> Response[AccountView]:
    await require_account(state.resources.pool, principal, command.account_id)
    return await run_account_command(
        request, state, principal, command, command_id_from(request.headers, state.ids), password=password
    )


async def run_account_command(
    request: Request[Any, Any, Any],
    state: State,
    principal: Principal,
    command: AccountCommand,
    command_id: uuid.UUID,
    *,
    password: str | None = None,
    status: int = 200,
) -> Response[AccountView]:
    password_hash = None if password is None else await hash_password(password)
    outcome = await handle(
        state.resources.store,
        command,
        command_id=command_id,
        actor=principal.account_id,
        now=state.clock.now(),
        password_hash=password_hash,
        expected=expected_from(request.headers),
    )
    if outcome.position is not None:  # read-your-writes: the answer shows the change
        await caught_up(state.resources.pool, ["account_directory"], outcome.position)
    return Response(await _view(state, command.account_id), status_code=status)


async def _view(state: State, account_id: str) -> AccountView:
    view = await account_directory(state.resources.pool, account_id)
    if view is None:
        raise NotFound()
    return view
