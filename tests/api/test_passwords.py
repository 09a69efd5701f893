"""Password changes and the request hardening around sign-in."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from events.store import EventStore
from tests.support.access import PASSWORD, World, settings, sign_in, world

pytestmark = pytest.mark.api
__all__ = ["settings", "world"]
NEW = "a brand new long password"


async def test_change_own_password_ends_other_sessions_and_keeps_this_one(world: World) -> None:
    this, other = world.auth["handler"], await sign_in(world, "handler")
    wrong = await world.client.put(
        "/api/v1/auth/password",
        headers=this.headers(),
        json={"current_password": "not it", "new_password": NEW},
    )
    assert wrong.status_code == 401
    r = await world.client.put(
        "/api/v1/auth/password",
        headers=this.headers(),
        json={"current_password": PASSWORD, "new_password": NEW},
    )
    assert r.status_code == 204
    assert (await world.client.get("/api/v1/auth/me", headers=this.headers())).status_code == 200
    assert (await world.client.get("/api/v1/auth/me", headers=other.headers())).status_code == 401
    old = await world.client.post("/api/v1/auth/sign-in", json={"login": "handler", "password": PASSWORD})
    assert old.status_code == 401
    await sign_in(world, "handler", NEW)


async def test_admin_reset_password_signs_the_account_out(world: World) -> None:
    leader = world.auth["leader"].headers()
    r = await world.client.put(
        f"/api/v1/accounts/{world.accounts['leader']}/password",
        headers=world.auth["admin"].headers(),
        json={"password": NEW},
    )
    assert r.status_code == 200
    assert (await world.client.get("/api/v1/auth/me", headers=leader)).status_code == 401
    await sign_in(world, "leader", NEW)


async def test_new_password_too_short_refused(world: World) -> None:
    r = await world.client.put(
        "/api/v1/auth/password",
        headers=world.auth["leader"].headers(),
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert r.status_code == 422


async def test_sign_in_from_another_site_refused(world: World) -> None:
    r = await world.client.post(
        "/api/v1/auth/sign-in",
        headers={"Origin": "https://evil.example"},
        json={"login": "leader", "password": PASSWORD},
    )
    assert r.status_code == 403 and "set-cookie" not in r.headers


async def test_sign_in_body_must_be_json(world: World) -> None:
    # an HTML form elsewhere can post text/plain that looks like JSON; it is not read
    r = await world.client.post(
        "/api/v1/auth/sign-in",
        headers={"Content-Type": "text/plain"},
        content=f'{{"login": "leader", "password": "{PASSWORD}"}}',
    )
    assert r.status_code == 415 and "set-cookie" not in r.headers


async def test_sign_in_upgrades_a_hash_made_with_weaker_parameters(world: World, store: EventStore) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    account = world.accounts["handler"]
    await store.pool.execute("UPDATE credentials SET password_hash = $2 WHERE account_id = $1", account, weak)
    await sign_in(world, "handler")
    stored = await store.pool.fetchval("SELECT password_hash FROM credentials WHERE account_id = $1", account)
    assert stored != weak and not PasswordHasher().check_needs_rehash(stored)
