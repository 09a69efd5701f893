"""Account and role events: stream `account-{id}`.

Only facts about who holds which role where. Passwords, their hashes and API-token hashes
never appear here: they live in the mutable `credentials` and `api_tokens` tables so they
can be rotated and erased (events are forever).
"""

from __future__ import annotations

from typing import Literal

from events.base import Event

Role = Literal["admin", "leader", "handler"]
ROLES: tuple[str, ...] = ("admin", "leader", "handler")


class AccountCreated(Event, frozen=True):
    account_id: str
    login: str
    display_name: str
    unit_id: str  # the home unit: admins of its subtree manage the account


class RoleGranted(Event, frozen=True):
    account_id: str
    unit_id: str
    role: Role


class RoleRevoked(Event, frozen=True):
    account_id: str
    unit_id: str
    role: Role


class AccountDisabled(Event, frozen=True):
    account_id: str


class AccountRenamed(Event, frozen=True):
    account_id: str
    display_name: str


class PasswordSet(Event, frozen=True):
    """That a password was (re)set and by whom; the hash is in `credentials`, not here."""

    account_id: str


def stream(account_id: str) -> str:
    return f"account-{account_id}"
