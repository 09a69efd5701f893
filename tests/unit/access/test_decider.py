"""Given/when/then on the account decider: no I/O."""

from __future__ import annotations

import pytest

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
from services.access.decider import (
    AccountExists,
    AccountIsDisabled,
    AccountNotFound,
    AccountState,
    decide,
    fold,
)

pytestmark = pytest.mark.unit
CREATED = AccountCreated(account_id="a", login="li.mei", display_name="李梅", unit_id="union")
GRANTED = RoleGranted(account_id="a", unit_id="union", role="handler")


def given(*events: Event) -> AccountState:
    return fold(list(events))


def when(command: AccountCommand, state: AccountState) -> list[Event]:
    return decide(command, state)


def test_create_account_records_it_without_any_secret() -> None:
    events = when(
        CreateAccount(account_id="a", login="li.mei", display_name="李梅", unit_id="union"), given()
    )
    assert events == [CREATED]
    assert "password" not in str(events) and "hash" not in str(events)


def test_create_account_twice_refused() -> None:
    with pytest.raises(AccountExists):
        when(CreateAccount(account_id="a", login="x", display_name="x", unit_id="u"), given(CREATED))


def test_grant_role_records_it_once() -> None:
    command = GrantRole(account_id="a", unit_id="union", role="handler")
    assert when(command, given(CREATED)) == [GRANTED]
    assert when(command, given(CREATED, GRANTED)) == []


def test_grant_role_to_missing_account_refused() -> None:
    with pytest.raises(AccountNotFound):
        when(GrantRole(account_id="a", unit_id="u", role="admin"), given())


def test_grant_role_to_disabled_account_refused() -> None:
    with pytest.raises(AccountIsDisabled):
        when(
            GrantRole(account_id="a", unit_id="u", role="admin"),
            given(CREATED, AccountDisabled(account_id="a")),
        )


def test_revoke_role_held_records_it_and_not_held_records_nothing() -> None:
    command = RevokeRole(account_id="a", unit_id="union", role="handler")
    assert when(command, given(CREATED, GRANTED)) == [
        RoleRevoked(account_id="a", unit_id="union", role="handler")
    ]
    assert when(command, given(CREATED)) == []


def test_revoked_role_is_gone_from_state() -> None:
    state = given(CREATED, GRANTED, RoleRevoked(account_id="a", unit_id="union", role="handler"))
    assert state.grants == frozenset()


def test_disable_account_drops_its_roles_and_is_a_no_op_twice() -> None:
    state = given(CREATED, GRANTED, AccountDisabled(account_id="a"))
    assert state.disabled and state.grants == frozenset()
    assert when(DisableAccount(account_id="a"), state) == []


def test_rename_account_records_a_new_display_name_only() -> None:
    assert when(RenameAccount(account_id="a", display_name="李梅梅"), given(CREATED)) == [
        AccountRenamed(account_id="a", display_name="李梅梅")
    ]
    assert when(RenameAccount(account_id="a", display_name="李梅"), given(CREATED)) == []
    assert given(CREATED, AccountRenamed(account_id="a", display_name="新")).display_name == "新"


def test_set_password_records_only_that_it_happened() -> None:
    assert when(SetPassword(account_id="a"), given(CREATED)) == [PasswordSet(account_id="a")]
    with pytest.raises(AccountIsDisabled):
        when(SetPassword(account_id="a"), given(CREATED, AccountDisabled(account_id="a")))
