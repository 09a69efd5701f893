"""Shared by the access tests: a small unit tree with one account per role, signing in,
and a guard that scans the events table for secrets after every test."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from events.store import EventStore
from services.access.bootstrap import create_admin
from services.settings import Settings

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery staple"
ROLES = ("admin", "leader", "handler")


@dataclass
class Auth:
    session: str
    csrf: str

    def headers(self) -> dict[str, str]:
        return {"Cookie": f"qs_session={self.session}", "X-CSRF-Token": self.csrf}


@dataclass
class World:
    """R (bureau) → A (school) → A1; R → B → B1. Each role is held on A by one account."""

    client: Client
    units: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)  # login → account id
    auth: dict[str, Auth] = field(default_factory=dict)  # login → signed-in session
    secrets: list[str] = field(default_factory=list)  # every secret seen, for the scan
    n: int = 0

    def fresh(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    @property
    def root(self) -> dict[str, str]:
        return self.auth["root"].headers()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A secret of its own per test: rate-limit keys in the shared Redis never collide.
    return msgspec.structs.replace(settings, secret_key=uuid.uuid4().hex)


async def sign_in(world: World, login: str, password: str = PASSWORD) -> Auth:
    r = await world.client.post("/api/v1/auth/sign-in", json={"login": login, "password": password})
    assert r.status_code == 200, r.text
    auth = Auth(r.cookies["qs_session"], r.json()["csrf_token"])
    world.client.cookies.clear()  # every request names its caller explicitly
    world.secrets += [password, auth.session, auth.csrf]
    return auth


async def create_unit(world: World, parent: str, name: str, kind: str = "department") -> str:
    r = await world.client.post(
        "/api/v1/units", headers=world.root, json={"parent_id": parent, "name": name, "kind": kind}
    )
    assert r.status_code == 201, r.text
    return str(r.json()["unit"]["unit_id"])


async def create_account(world: World, login: str, home: str, roles: tuple[tuple[str, str], ...] = ()) -> str:
    r = await world.client.post(
        "/api/v1/accounts",
        headers=world.root,
        json={"login": login, "display_name": login.title(), "unit_id": home, "password": PASSWORD},
    )
    assert r.status_code == 201, r.text
    account_id = str(r.json()["account_id"])
    for role, unit in roles:
        g = await world.client.post(
            f"/api/v1/accounts/{account_id}/roles",
            headers=world.root,
            json={"unit_id": unit, "role": role},
        )
        assert g.status_code == 200, g.text
    world.accounts[login] = account_id
    return account_id


async def build_world(client: Client, store: EventStore) -> World:
    """The app serves in its own event loop: the test's own pool and store seed it."""
    world = World(client)
    root_id, root = await create_admin(
        store,
        login="root",
        display_name="Root",
        password=PASSWORD,
        now=client.app.state.clock.now(),
        unit_name="农业局",
    )
    world.accounts["root"], world.units["R"] = root_id, root
    world.auth["root"] = await sign_in(world, "root")
    world.units["A"] = await create_unit(world, root, "学校", "school")
    world.units["A1"] = await create_unit(world, world.units["A"], "教务处")
    world.units["B"] = await create_unit(world, root, "推广站", "other")
    world.units["B1"] = await create_unit(world, world.units["B"], "田间组")
    for role in ROLES:
        await create_account(world, role, world.units["A"], ((role, world.units["A"]),))
        world.auth[role] = await sign_in(world, role)
    await create_account(world, "target.in", world.units["A1"])
    await create_account(world, "target.out", world.units["B1"])
    return world


@pytest.fixture
async def world(client: Client, store: EventStore) -> AsyncIterator[World]:
    w = await build_world(client, store)
    yield w
    await assert_no_secret_in_events(store.pool, w.secrets)


async def assert_no_secret_in_events(pool: asyncpg.Pool, seen: list[str]) -> None:
    """Nothing secret in events: no password, hash, token, session or CSRF value."""
    hashes = [r["password_hash"] for r in await pool.fetch("SELECT password_hash FROM credentials")]
    token_hashes = [r["h"] for r in await pool.fetch("SELECT encode(token_hash, 'hex') AS h FROM api_tokens")]
    rows = await pool.fetch("SELECT data::text || metadata::text AS text FROM events")
    assert rows, "the scan must have events to look at"
    text = "\n".join(r["text"] for r in rows)
    for secret in [*seen, *hashes, *token_hashes, "$argon2"]:
        assert secret not in text, "a secret was written into the events table"
    keys = re.findall(r'"([A-Za-z_]*(?:password|hash|token)[A-Za-z_]*)"\s*:', text, re.I)
    assert keys == [], f"events have fields named like secrets: {sorted(set(keys))}"


def as_dict(value: Any) -> dict[str, Any]:
    assert isinstance(value, dict)
    return value
