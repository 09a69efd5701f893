"""account_directory: every account (login, display name, home unit, disabled) and, in
`account_directory_roles`, which role it holds on which unit. Answers "who is in this
subtree and what may they do"; sign-in and guards read the account's stream instead.
"""

from __future__ import annotations

from typing import ClassVar

from events.accounts import AccountCreated, AccountDisabled, AccountRenamed, RoleGranted, RoleRevoked
from events.base import Event, RecordedEvent
from events.store.db import Db
from projections.projector import Projector


class AccountDirectory(Projector):
    name: ClassVar[str] = "account_directory"
    handles: ClassVar[frozenset[type[Event]]] = frozenset(
        {AccountCreated, AccountDisabled, AccountRenamed, RoleGranted, RoleRevoked}
    )
    tables: ClassVar[tuple[str, ...]] = ("account_directory", "account_directory_roles")
    ddl: ClassVar[str] = """
        CREATE TABLE IF NOT EXISTS account_directory (
            account_id    text PRIMARY KEY,
            login         text NOT NULL,
            display_name  text NOT NULL,
            unit_id       text NOT NULL,
            disabled      boolean NOT NULL DEFAULT false,
            version       bigint NOT NULL
        );
        CREATE INDEX IF NOT EXISTS account_directory_unit ON account_directory (unit_id);
        CREATE TABLE IF NOT EXISTS account_directory_roles (
            account_id  text NOT NULL,
            unit_id     text NOT NULL,
            role        text NOT NULL,
            PRIMARY KEY (account_id, unit_id, role)
        );
        CREATE INDEX IF NOT EXISTS account_directory_roles_unit
            ON account_directory_roles (unit_id);
    """

    async def apply(self, conn: Db, event: RecordedEvent) -> None:
        e, v = event.event, event.stream_version
        match e:
            case AccountCreated():
                await conn.execute(
                    "INSERT INTO account_directory VALUES ($1, $2, $3, $4, false, $5)"
                    " ON CONFLICT (account_id) DO NOTHING",
                    e.account_id,
                    e.login,
                    e.display_name,
                    e.unit_id,
                    v,
                )
            case RoleGranted():
                await conn.execute(
                    "INSERT INTO account_directory_roles VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    e.account_id,
                    e.unit_id,
                    e.role,
                )
            case RoleRevoked():
                await conn.execute(
                    "DELETE FROM account_directory_roles"
                    " WHERE account_id = $1 AND unit_id = $2 AND role = $3",
                    e.account_id,
                    e.unit_id,
                    e.role,
                )
            case AccountRenamed():
                await conn.execute(
                    "UPDATE account_directory SET display_name = $2 WHERE account_id = $1",
                    e.account_id,
                    e.display_name,
                )
            case AccountDisabled():
                await conn.execute("DELETE FROM account_directory_roles WHERE account_id = $1", e.account_id)
                await conn.execute(
                    "UPDATE account_directory SET disabled = true WHERE account_id = $1",
                    e.account_id,
                )
        if not isinstance(e, AccountCreated):
            await conn.execute(
                "UPDATE account_directory SET version = $2 WHERE account_id = $1",
                getattr(e, "account_id", ""),
                v,
            )
