"""Load the demo through the same command handlers the API uses; never by inserting rows.

Every id is derived from a fixed namespace and the item's key, so a second run finds each
command already carried out and changes nothing. The accounts' password is drawn at random
on the first run and printed once; a later run cannot show it again (only hashes are kept).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from types import SimpleNamespace

import msgspec

from events.accounts import Role
from events.store import EventStore
from services.access.bootstrap import create_admin
from services.access.commands import CreateAccount, GrantRole
from services.access.handle import handle as handle_account
from services.access.passwords import hash_password
from services.demo.cases import load_cases
from services.demo.data import ACCOUNTS, UNITS
from services.demo.surveys import load_surveys
from services.settings import Settings
from services.units.commands import CreateUnit
from services.units.handle import handle as handle_unit

NS = uuid.UUID("5b0f3c52-8a3e-4c5e-9a77-1f0e6a1d2c01")


class DemoLoad(msgspec.Struct, frozen=True):
    loaded: bool  # False when the demo was there already
    password: str | None
    logins: list[tuple[str, str, str]]  # login, display name, roles
    cases: int = 0  # cases raised by this run
    answers: int = 0  # survey answers taken by this run


def unit_id(key: str) -> str:
    return str(uuid.uuid5(NS, "unit:" + key))


def _cmd(*parts: str) -> uuid.UUID:
    return uuid.uuid5(NS, "command:" + ":".join(parts))


async def load_demo(store: EventStore, now: datetime, settings: Settings | None = None) -> DemoLoad:
    first, *rest = ACCOUNTS
    seed = uuid.uuid5(NS, "account:" + first[0])
    admin_id = str(uuid.uuid5(seed, "account"))
    fresh = not await store.pool.fetchval(
        "SELECT EXISTS (SELECT 1 FROM events WHERE stream_id = $1)", f"account-{admin_id}"
    )
    password = secrets.token_urlsafe(9)
    await _tree(store, admin_id)
    await create_admin(
        store,
        login=first[0],
        display_name=first[1],
        password=password,
        now=now,
        unit_id=unit_id(UNITS[0][0]),
        seed=seed,
    )
    hashed = await hash_password(password)
    for login, display, home, roles in rest:
        await _account(store, admin_id, login, display, home, roles, hashed, now)
    # The other slices' chapters, through their own commands. The state stands in for the
    # app's: the service secret comes from the same settings or table the server uses.
    state = SimpleNamespace(
        settings=settings or Settings(), resources=SimpleNamespace(pool=store.pool, store=store)
    )
    cases = await load_cases(store, state, now, unit_id, account_id)
    answers = await load_surveys(store, state, now, unit_id, admin_id)
    names = {u[0]: u[2] for u in UNITS}
    logins = [(a[0], a[1], ", ".join(f"{r}@{names[k]}" for r, k in a[3])) for a in ACCOUNTS]
    return DemoLoad(
        loaded=fresh, password=password if fresh else None, logins=logins, cases=cases, answers=answers
    )


def account_id(login: str) -> str:
    return str(uuid.uuid5(NS, "account:" + login))


async def _tree(store: EventStore, admin_id: str) -> None:
    for key, parent, name, kind, headcount in UNITS:
        command = CreateUnit(
            unit_id=unit_id(key),
            parent_id=None if parent is None else unit_id(parent),
            name=name,
            kind=kind,
            headcount=headcount,
        )
        await handle_unit(store, command, command_id=_cmd("unit", key), actor=admin_id)


async def _account(
    store: EventStore,
    actor: str,
    login: str,
    display: str,
    home: str,
    roles: list[tuple[Role, str]],
    hashed: str,
    now: datetime,
) -> None:
    await handle_account(
        store,
        CreateAccount(account_id=account_id(login), login=login, display_name=display, unit_id=unit_id(home)),
        command_id=_cmd("account", login),
        actor=actor,
        now=now,
        password_hash=hashed,
    )
    for role, key in roles:
        await handle_account(
            store,
            GrantRole(account_id=account_id(login), unit_id=unit_id(key), role=role),
            command_id=_cmd("grant", login, role, key),
            actor=actor,
            now=now,
        )


def describe(result: DemoLoad) -> str:
    if not result.loaded:
        return "demo data already loaded (its password was printed when it was first loaded)"
    lines = [
        "demo data loaded: 青山县农业局 with its school, stations and organisations",
        f"sign in at /api/v1/auth/sign-in, every demo account's password: {result.password}",
    ]
    lines += [f"  {login:15} {name}  ({roles})" for login, name, roles in result.logins]
    lines.append(
        f"and, over the past year, {result.cases} cases raised and worked and"
        f" {result.answers} answers to four cycles of the 五个好 survey"
    )
    return "\n".join(lines)
