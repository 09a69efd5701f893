"""Pure decisions for accounts and roles: decide(command, state) -> events; evolve.

Granting a role already held, or revoking one not held, decides nothing: the command is
satisfied, and a retried request stays harmless.
"""

from __future__ import annotations

from typing import assert_never

import msgspec

from events.accounts import (
    AccountCreated,
    AccountDisabled,
    AccountRenamed,
    PasswordSet,
    RoleGranted,
    RoleRevoked,
)
from events.base import Event
from services.access.commands import (
    AccountCommand,
    CreateAccount,
    DisableAccount,
    GrantRole,
    RenameAccount,
    RevokeRole,
    SetPassword,
)
from services.problems import Problem


class AccountNotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class AccountExists(Problem):
    status, slug, title = 409, "account-exists", "An account with this id or login already exists"


class AccountIsDisabled(Problem):
    status, slug, title = 409, "account-disabled", "The account is disabled"


class AccountState(msgspec.Struct, frozen=True, kw_only=True):
    exists: bool = False
    account_id: str = ""
    login: str = ""
    display_name: str = ""
    unit_id: str = ""
    disabled: bool = False
    grants: frozenset[tuple[str, str]] = frozenset()  # (unit id, role)


INITIAL = AccountState()


def evolve(state: AccountState, event: Event) -> AccountState:
    match event:
        case AccountCreated():
            return AccountState(
                exists=True,
                account_id=event.account_id,
                login=event.login,
                display_name=event.display_name,
                unit_id=event.unit_id,
            )
        case RoleGranted():
            return msgspec.structs.replace(state, grants=state.grants | {(event.unit_id, event.role)})
        case RoleRevoked():
            return msgspec.structs.replace(state, grants=state.grants - {(event.unit_id, event.role)})
        case AccountDisabled():
            return msgspec.structs.replace(state, disabled=True, grants=frozenset())
        case AccountRenamed():
            return msgspec.structs.replace(state, display_name=event.display_name)
    return state


def decide(command: AccountCommand, state: AccountState) -> list[Event]:
    match command:
        case CreateAccount():
            if state.exists:
                raise AccountExists()
            return [
                AccountCreated(
                    account_id=command.account_id,
                    login=command.login,
                    display_name=command.display_name,
                    unit_id=command.unit_id,
                )
            ]
        case GrantRole():
            _active(state)
            if (command.unit_id, command.role) in state.grants:
                return []
            return [RoleGranted(account_id=command.account_id, unit_id=command.unit_id, role=command.role)]
        case RevokeRole():
            _existing(state)
            if (command.unit_id, command.role) not in state.grants:
                return []
            return [RoleRevoked(account_id=command.account_id, unit_id=command.unit_id, role=command.role)]
        case DisableAccount():
            return [] if _existing(state).disabled else [AccountDisabled(account_id=command.account_id)]
        case RenameAccount():
            if _existing(state).display_name == command.display_name:
                return []
            return [AccountRenamed(account_id=command.account_id, display_name=command.display_name)]
        case SetPassword():
            _active(state)
            return [PasswordSet(account_id=command.account_id)]
        case _:
            assert_never(command)


def _existing(state: AccountState) -> AccountState:
    if not state.exists:
        raise AccountNotFound()
    return state


def _active(state: AccountState) -> AccountState:
    if _existing(state).disabled:
        raise AccountIsDisabled()
    return state


def fold(events: list[Event], state: AccountState = INITIAL) -> AccountState:
    for e in events:
        state = evolve(state, e)
    return state
