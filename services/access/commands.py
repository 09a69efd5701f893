"""Account commands: what an admin (or the operator's CLI) asks for."""

from __future__ import annotations

import msgspec

from events.accounts import Role


class CreateAccount(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    login: str
    display_name: str
    unit_id: str


class GrantRole(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    unit_id: str
    role: Role


class RevokeRole(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    unit_id: str
    role: Role


class DisableAccount(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str


class RenameAccount(msgspec.Struct, frozen=True, kw_only=True):
    account_id: str
    display_name: str


class SetPassword(msgspec.Struct, frozen=True, kw_only=True):
    """Records that the password changed; the new hash travels beside it, never inside."""

    account_id: str


AccountCommand = CreateAccount | GrantRole | RevokeRole | DisableAccount | RenameAccount | SetPassword
