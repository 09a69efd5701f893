"""account_directory and audit_trail: given events, then rows (real PostgreSQL)."""

from __future__ import annotations

import pytest

from events.accounts import AccountCreated, AccountDisabled, PasswordSet, RoleGranted, RoleRevoked
from events.base import Event
from events.store import EventStore, Expect
from events.units import UnitCreated
from projections.account_directory import AccountDirectory
from projections.audit_trail import AuditTrail
from projections.projector import Projector
from tests.support.helpers import new

pytestmark = pytest.mark.integration


async def project(
    store: EventStore, projectors: list[Projector], *events: tuple[str, Event, str | None]
) -> None:
    for stream, e, actor in events:
        await store.append(stream, new(e, actor=actor), Expect.ANY)
    recorded = await store.read_all()
    async with store.pool.acquire() as conn, conn.transaction():
        for p in projectors:
            await p.create_tables(conn)
            await p.apply_batch(conn, [r for r in recorded if r.type in p.handled_types()])


A = "account-a"
HISTORY: list[tuple[str, Event, str | None]] = [
    ("unit-u", UnitCreated(unit_id="u", parent_id=None, name="局", kind="bureau"), "boss"),
    (A, AccountCreated(account_id="a", login="li", display_name="李", unit_id="u"), "boss"),
    (A, RoleGranted(account_id="a", unit_id="u", role="handler"), "boss"),
    (A, RoleGranted(account_id="a", unit_id="u", role="leader"), "boss"),
    (A, RoleRevoked(account_id="a", unit_id="u", role="handler"), "boss"),
    (A, PasswordSet(account_id="a"), "boss"),
]


async def test_directory_holds_accounts_and_current_roles(store: EventStore) -> None:
    await project(store, [AccountDirectory()], *HISTORY)
    row = await store.pool.fetchrow("SELECT * FROM account_directory")
    assert (row["account_id"], row["login"], row["unit_id"], row["disabled"]) == ("a", "li", "u", False)
    roles = await store.pool.fetch("SELECT unit_id, role FROM account_directory_roles")
    assert [(r["unit_id"], r["role"]) for r in roles] == [("u", "leader")]


async def test_disabled_account_loses_every_role(store: EventStore) -> None:
    await project(store, [AccountDirectory()], *HISTORY, (A, AccountDisabled(account_id="a"), "boss"))
    assert await store.pool.fetchval("SELECT disabled FROM account_directory") is True
    assert await store.pool.fetchval("SELECT count(*) FROM account_directory_roles") == 0


async def test_audit_trail_keeps_actor_and_unit_of_every_staff_action(store: EventStore) -> None:
    anonymous = ("unit-v", UnitCreated(unit_id="v", parent_id=None, name="x", kind="other"), None)
    await project(store, [AuditTrail()], *HISTORY, anonymous)
    rows = await store.pool.fetch("SELECT actor, type, unit_id FROM audit_trail ORDER BY position")
    assert [(r["actor"], r["type"], r["unit_id"]) for r in rows] == [
        ("boss", "UnitCreated", "u"),
        ("boss", "AccountCreated", "u"),
        ("boss", "RoleGranted", "u"),
        ("boss", "RoleGranted", "u"),
        ("boss", "RoleRevoked", "u"),
        ("boss", "PasswordSet", "u"),  # no unit of its own: the account's home unit
    ]  # the event without an actor is not a staff action and is not listed


async def test_audit_trail_places_a_staff_step_in_the_unit_an_anonymous_start_named(
    store: EventStore,
) -> None:
    # as with a case: raised anonymously in a unit, then worked by staff
    await project(
        store,
        [AuditTrail()],
        ("case-1", UnitCreated(unit_id="v", parent_id=None, name="x", kind="other"), None),
        ("case-1", PasswordSet(account_id="a"), "handler"),
    )
    rows = await store.pool.fetch("SELECT actor, unit_id, data FROM audit_trail")
    assert [(r["actor"], r["unit_id"]) for r in rows] == [("handler", "v")]
