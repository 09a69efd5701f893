"""Passwords over HTTP: an account changes its own; an admin resets one in their subtree.

Only the argon2id hash is stored (in `credentials`); the event says that the password
changed and who changed it. A changed password ends the account's other sessions.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath

from services.access import credentials, sessions, throttle
from services.access.commands import SetPassword
from services.access.guards import Principal
from services.access.http_accounts import edit_account, run_account_command
from services.access.http_auth import NewPassword, Password, SignInFailed
from services.access.keys import account_key, service_secret
from services.access.passwords import verify_password
from services.access.queries import AccountView
from services.commanding import command_id_from, strict_body


class PasswordChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    current_password: Password
    new_password: NewPassword


class PasswordReset(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    password: NewPassword


class PasswordController(Controller):
    path = "/api/v1"
    tags = ("access",)

    @put("/auth/password", operation_id="change_own_password", opt={"role": "account"}, status_code=204)
    async def change_own(
        self,
        data: PasswordChange,
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> None:
        """Change the caller's own password; needs the current one. Other sessions end."""
        body = await strict_body(request, PasswordChange)
        await _check_current(state, principal, body.current_password)
        command = SetPassword(account_id=principal.account_id)
        await run_account_command(
            request,
            state,
            principal,
            command,
            command_id_from(request.headers, state.ids),
            password=body.new_password,
        )
        await sessions.close_all(state.resources.pool, principal.account_id, keep=principal.session_token)

    @put("/accounts/{account_id:str}/password", operation_id="reset_password", opt={"role": "admin"})
    async def reset(
        self,
        data: PasswordReset,
        account_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[AccountView]:
        """Set a new password for an account in the caller's subtree; its sessions end."""
        body = await strict_body(request, PasswordReset)
        command = SetPassword(account_id=account_id)
        answer = await edit_account(request, state, principal, command, password=body.password)
        await sessions.close_all(state.resources.pool, account_id)
        return answer


async def _check_current(state: State, principal: Principal, password: str) -> None:
    """A stolen session must not become a stolen account: the old password is needed,
    and wrong guesses count against the same per-account limit as sign-ins."""
    res, now = state.resources, state.clock.now()
    key = account_key(await service_secret(state), principal.login)
    found = await credentials.find(res.pool, principal.login)
    if await throttle.blocked_for(res, [key], now):
        raise SignInFailed("too many wrong passwords; wait a minute")
    if found is None or not await verify_password(found[1], password):
        await throttle.record_failure(res, [key], now)
        raise SignInFailed()
