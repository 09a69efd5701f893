"""Sign-in journeys: same answer for unknown and wrong, limits, cookies, CSRF, tokens."""

from __future__ import annotations

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from events.store import EventStore
from services.app import create_app
from services.settings import Settings
from tests.support.access import PASSWORD, World, settings, sign_in, world
from tests.support.fakes import FixedClock, SequentialIds

pytestmark = pytest.mark.api
__all__ = ["settings", "world"]
Client = AsyncTestClient[Litestar]
SIGN_IN = "/api/v1/auth/sign-in"


async def attempt(client: Client, login: str, password: str) -> tuple[int, dict[str, object], dict[str, str]]:
    r = await client.post(SIGN_IN, json={"login": login, "password": password})
    headers = {k: v for k, v in r.headers.items() if k not in ("date", "content-length")}
    return r.status_code, r.json(), headers


async def test_sign_in_unknown_account_and_wrong_password_answer_identically(world: World) -> None:
    unknown = await attempt(world.client, "nobody.here", "whatever-password")
    wrong = await attempt(world.client, "leader", "not the password")
    assert unknown[0] == wrong[0] == 401
    assert unknown == wrong  # status, body and headers alike: nothing tells them apart
    assert "set-cookie" not in wrong[2]


async def test_sign_in_sixth_failure_within_a_minute_is_refused_with_429(
    world: World, clock: FixedClock
) -> None:
    for _ in range(5):
        clock.advance(seconds=5)
        assert (await attempt(world.client, "handler", "wrong password"))[0] == 401
    status, body, headers = await attempt(world.client, "handler", PASSWORD)
    assert status == 429 and body["type"] == "/problems/too-many-requests"
    assert 1 <= int(headers["retry-after"]) <= 60
    # the limit is per account: another account from the same client still signs in
    assert (await attempt(world.client, "leader", PASSWORD))[0] == 200
    clock.advance(seconds=61)  # the first failure has left the window
    assert (await attempt(world.client, "handler", PASSWORD))[0] == 200


async def test_sign_in_failures_limited_per_client_across_accounts(world: World) -> None:
    for n in range(20):
        assert (await attempt(world.client, f"someone{n}", "wrong password"))[0] == 401
    assert (await attempt(world.client, "leader", PASSWORD))[0] == 429


async def test_sign_in_limits_hold_in_postgresql_when_redis_is_down(
    settings: Settings, clock: FixedClock, store: EventStore, world: World
) -> None:
    down = msgspec.structs.replace(settings, redis_url="redis://127.0.0.1:1/0")
    async with AsyncTestClient(app=create_app(down, clock=clock, ids=SequentialIds())) as client:
        for _ in range(5):
            assert (await attempt(client, "admin", "wrong password"))[0] == 401
        assert (await attempt(client, "admin", PASSWORD))[0] == 429
    # with Redis back, the failures counted in PostgreSQL still hold
    assert (await attempt(world.client, "admin", PASSWORD))[0] == 429
    keys = [r["key"] for r in await store.pool.fetch("SELECT DISTINCT key FROM signin_failures")]
    assert len(keys) == 2  # one for the account, one for the client
    assert all("admin" not in k and "testclient" not in k for k in keys)  # HMACs only


async def test_sign_in_sets_httponly_samesite_strict_cookie(world: World) -> None:
    r = await world.client.post(SIGN_IN, json={"login": "leader", "password": PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # plain http in tests; see the TLS test below
    assert r.headers["cache-control"] == "no-store"  # the answer holds the CSRF token
    world.client.cookies.clear()


async def test_sign_in_behind_tls_sets_secure_cookie(
    settings: Settings, clock: FixedClock, world: World
) -> None:
    tls = msgspec.structs.replace(settings, secure_cookies=True)
    async with AsyncTestClient(app=create_app(tls, clock=clock, ids=SequentialIds())) as client:
        r = await client.post(SIGN_IN, json={"login": "leader", "password": PASSWORD})
    assert r.status_code == 200 and "secure" in r.headers["set-cookie"].lower()


async def test_sign_in_body_is_strict(world: World) -> None:
    r = await world.client.post(SIGN_IN, json={"login": "leader", "password": PASSWORD, "x": 1})
    assert r.status_code == 422 and r.json()["type"] == "/problems/validation"
    r = await world.client.post(SIGN_IN, json={"login": "leader", "password": 12345678901})
    assert r.status_code == 422


async def test_form_post_without_csrf_token_refused(world: World) -> None:
    auth = await sign_in(world, "leader")
    cookie = {"Cookie": f"qs_session={auth.session}"}
    r = await world.client.post("/api/v1/auth/sign-out", headers=cookie, data={"x": "1"})
    assert r.status_code == 403
    r = await world.client.post("/api/v1/auth/sign-out", headers=cookie, data={"_csrf": "forged"})
    assert r.status_code == 403
    assert (await world.client.get("/api/v1/auth/me", headers=cookie)).status_code == 200
    r = await world.client.post("/api/v1/auth/sign-out", headers=cookie, data={"_csrf": auth.csrf})
    assert r.status_code == 204
    assert (await world.client.get("/api/v1/auth/me", headers=cookie)).status_code == 401


async def test_json_write_with_session_needs_csrf_header(world: World) -> None:
    auth = await sign_in(world, "admin")
    cookie = {"Cookie": f"qs_session={auth.session}"}
    body = {"parent_id": world.units["A"], "name": "新部门", "kind": "department"}
    assert (await world.client.post("/api/v1/units", headers=cookie, json=body)).status_code == 403
    cross = {**auth.headers(), "Origin": "https://evil.example"}
    assert (await world.client.post("/api/v1/units", headers=cross, json=body)).status_code == 403
    ok = await world.client.post("/api/v1/units", headers=auth.headers(), json=body)
    assert ok.status_code == 201


async def test_api_token_shown_once_works_without_csrf_and_stops_when_revoked(
    world: World, store: EventStore
) -> None:
    r = await world.client.post(
        "/api/v1/auth/tokens", headers=world.auth["admin"].headers(), json={"label": "数据对接"}
    )
    assert r.status_code == 201
    token, token_id = r.json()["token"], r.json()["token_id"]
    world.secrets.append(token)
    bearer = {"Authorization": f"Bearer {token}"}
    listed = await world.client.get("/api/v1/auth/tokens", headers=bearer)
    assert listed.status_code == 200 and token not in listed.text
    assert [t["token_id"] for t in listed.json()] == [token_id]
    body = {"parent_id": world.units["A"], "name": "接口建的", "kind": "other"}
    assert (await world.client.post("/api/v1/units", headers=bearer, json=body)).status_code == 201
    stored = await store.pool.fetchval(
        "SELECT count(*) FROM api_tokens WHERE token_hash::text LIKE $1", f"%{token}%"
    )
    assert stored == 0  # only a hash is kept
    gone = await world.client.delete(f"/api/v1/auth/tokens/{token_id}", headers=bearer)
    assert gone.status_code == 204
    assert (await world.client.get("/api/v1/auth/me", headers=bearer)).status_code == 401


async def test_disabled_account_loses_its_session_and_cannot_sign_in(world: World) -> None:
    leader = world.auth["leader"].headers()
    assert (await world.client.get("/api/v1/auth/me", headers=leader)).status_code == 200
    r = await world.client.post(f"/api/v1/accounts/{world.accounts['leader']}/disable", headers=world.root)
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert (await world.client.get("/api/v1/auth/me", headers=leader)).status_code == 401
    disabled = await attempt(world.client, "leader", PASSWORD)
    assert disabled[:2] == (await attempt(world.client, "nobody", PASSWORD))[:2]
