"""Journeys through the unit tree, roles and the audit trail."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from events.store import EventStore
from tests.support.access import World, create_unit, settings, sign_in, world

pytestmark = pytest.mark.api
__all__ = ["settings", "world"]


async def test_unit_tree_journey_path_subtree_and_headcount(world: World) -> None:
    admin = world.auth["admin"].headers()
    a, a1 = world.units["A"], world.units["A1"]
    r = await world.client.post(
        "/api/v1/units",
        headers=admin,
        json={"parent_id": a1, "name": "语文组", "kind": "department", "headcount": 7},
    )
    assert r.status_code == 201
    new = r.json()
    assert [step["name"] for step in new["path"]] == ["农业局", "学校", "教务处", "语文组"]
    assert r.headers["etag"] == '"1"'
    sub = await world.client.get(f"/api/v1/units/{a}/subtree", headers=admin)
    assert [u["name"] for u in sub.json()] == ["学校", "教务处", "语文组"]
    view = await world.client.get(f"/api/v1/units/{a}", headers=world.auth["leader"].headers())
    assert view.status_code == 200 and view.json()["subtree_headcount"] == 7


async def test_rename_unit_with_stale_if_match_conflicts(world: World) -> None:
    admin, a1 = world.auth["admin"].headers(), world.units["A1"]
    first = await world.client.post(
        f"/api/v1/units/{a1}/rename", json={"name": "教务科"}, headers={**admin, "If-Match": '"1"'}
    )
    assert first.status_code == 200 and first.headers["etag"] == '"2"'
    stale = await world.client.post(
        f"/api/v1/units/{a1}/rename", json={"name": "教学处"}, headers={**admin, "If-Match": '"1"'}
    )
    assert stale.status_code == 409 and stale.json()["type"] == "/problems/wrong-expected-version"


async def test_move_unit_into_its_own_subtree_refused_over_http(world: World) -> None:
    r = await world.client.post(
        f"/api/v1/units/{world.units['A']}/move", headers=world.root, json={"parent_id": world.units["A1"]}
    )
    assert r.status_code == 409 and r.json()["type"] == "/problems/move-into-own-subtree"


async def test_moved_unit_leaves_the_old_subtree_for_its_admins(world: World) -> None:
    moved = await create_unit(world, world.units["A1"], "待调整组")
    admin = world.auth["admin"].headers()
    assert (await world.client.get(f"/api/v1/units/{moved}", headers=admin)).status_code == 200
    r = await world.client.post(
        f"/api/v1/units/{moved}/move", headers=world.root, json={"parent_id": world.units["B1"]}
    )
    assert r.status_code == 200
    assert [s["name"] for s in r.json()["path"]] == ["农业局", "推广站", "田间组", "待调整组"]
    assert (await world.client.get(f"/api/v1/units/{moved}", headers=admin)).status_code == 404


async def test_closed_unit_refuses_new_children(world: World) -> None:
    closing = await create_unit(world, world.units["A"], "撤销组")
    r = await world.client.post(f"/api/v1/units/{closing}/close", headers=world.root)
    assert r.status_code == 200 and r.json()["unit"]["closed"] is True
    child = await world.client.post(
        "/api/v1/units", headers=world.root, json={"parent_id": closing, "name": "子组", "kind": "other"}
    )
    assert child.status_code == 409 and child.json()["type"] == "/problems/unit-closed"


async def test_unit_outside_subtree_answers_exactly_like_a_missing_one(world: World) -> None:
    admin = world.auth["admin"].headers()
    outside = await world.client.get(f"/api/v1/units/{world.units['B1']}", headers=admin)
    missing = await world.client.get(f"/api/v1/units/{uuid.uuid4()}", headers=admin)
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


async def test_retried_create_with_same_idempotency_key_makes_one_unit(world: World) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"parent_id": world.units["A"], "name": "重试组", "kind": "other"}
    first = await world.client.post("/api/v1/units", headers={**world.root, **key}, json=body)
    again = await world.client.post("/api/v1/units", headers={**world.root, **key}, json=body)
    assert first.status_code == again.status_code == 201
    assert first.json()["unit"]["unit_id"] == again.json()["unit"]["unit_id"]
    sub = await world.client.get(f"/api/v1/units/{world.units['A']}/subtree", headers=world.root)
    assert [u["name"] for u in sub.json()].count("重试组") == 1


async def test_revoked_role_takes_effect_on_the_next_request(world: World) -> None:
    leader, a1 = world.auth["leader"].headers(), world.units["A1"]
    assert (await world.client.get(f"/api/v1/units/{a1}", headers=leader)).status_code == 200
    r = await world.client.delete(
        f"/api/v1/accounts/{world.accounts['leader']}/roles/{world.units['A']}/leader", headers=world.root
    )
    assert r.status_code == 200 and r.json()["roles"] == []
    assert (await world.client.get(f"/api/v1/units/{a1}", headers=leader)).status_code == 403


async def test_granted_role_covers_the_whole_subtree(world: World) -> None:
    target = world.accounts["target.out"]
    r = await world.client.post(
        f"/api/v1/accounts/{target}/roles",
        headers=world.root,
        json={"unit_id": world.units["B"], "role": "handler"},
    )
    assert r.status_code == 200
    assert r.json()["roles"] == [{"unit_id": world.units["B"], "role": "handler"}]
    auth = (await sign_in(world, "target.out")).headers()
    assert (await world.client.get(f"/api/v1/units/{world.units['B1']}", headers=auth)).status_code == 200
    assert (await world.client.get(f"/api/v1/units/{world.units['A1']}", headers=auth)).status_code == 404


async def test_create_account_with_taken_login_conflicts(world: World) -> None:
    r = await world.client.post(
        "/api/v1/accounts",
        headers=world.root,
        json={
            "login": "LEADER",
            "display_name": "x",
            "unit_id": world.units["A"],
            "password": "another long password",
        },
    )
    assert r.status_code == 409 and r.json()["type"] == "/problems/account-exists"


async def test_audit_lists_staff_actions_with_their_actor_for_admins(world: World, store: EventStore) -> None:
    await world.client.post(
        f"/api/v1/units/{world.units['A1']}/headcount",
        headers=world.auth["admin"].headers(),
        json={"headcount": 12},
    )
    for _ in range(500):  # the audit trail is a projection: give it a moment to catch up
        r = await world.client.get(
            f"/api/v1/audit?unit={world.units['A']}", headers=world.auth["admin"].headers()
        )
        assert r.status_code == 200
        entries = r.json()
        if entries and entries[0]["type"] == "HeadcountSet":
            break
        await asyncio.sleep(0.02)
    assert entries[0]["type"] == "HeadcountSet"
    assert entries[0]["actor"] == world.accounts["admin"] and entries[0]["actor_name"] == "Admin"
    assert {e["type"] for e in entries} >= {"UnitCreated", "AccountCreated", "RoleGranted"}
    assert all(e["unit_id"] != world.units["B1"] for e in entries)  # only the subtree
    # every staff event of the run names its actor
    assert await store.pool.fetchval("SELECT count(*) FROM events WHERE metadata->>'actor' IS NULL") == 0


async def test_openapi_document_is_public_and_shows_request_bodies(world: World) -> None:
    r = await world.client.get("/api/schema/openapi.json")
    assert r.status_code == 200
    create = r.json()["paths"]["/api/v1/units"]["post"]
    assert create["operationId"] == "create_unit" and "requestBody" in create


async def test_audit_lists_a_handlers_case_step_but_not_the_anonymous_submission(world: World) -> None:
    r = await world.client.post(
        "/api/v1/cases", json={"kind": "suggestion", "unit_id": world.units["A1"], "text": "路灯坏了"}
    )
    assert r.status_code == 201
    world.secrets.append(r.json()["receipt_code"])
    queue = await world.client.get("/api/v1/queue", headers=world.auth["handler"].headers())
    case_id = queue.json()[0]["case_id"]
    step = await world.client.post(
        f"/api/v1/cases/{case_id}/accept", json={}, headers=world.auth["handler"].headers()
    )
    assert step.status_code == 200
    entries: list[dict[str, object]] = []
    for _ in range(500):
        audit = await world.client.get(
            f"/api/v1/audit?unit={world.units['A']}", headers=world.auth["admin"].headers()
        )
        entries = [e for e in audit.json() if str(e["stream_id"]).startswith("case-")]
        if entries:
            break
        await asyncio.sleep(0.02)
    assert [(e["type"], e["actor"], e["unit_id"]) for e in entries] == [
        ("CaseAccepted", world.accounts["handler"], world.units["A1"])
    ]
    assert entries[0]["data"] == {}  # a case's contents are for its handlers, not the audit


async def test_rename_account_changes_the_display_name_not_the_login(world: World) -> None:
    target = world.accounts["target.in"]
    r = await world.client.post(
        f"/api/v1/accounts/{target}/rename",
        headers=world.auth["admin"].headers(),
        json={"display_name": "王 芳"},
    )
    assert r.status_code == 200 and r.json()["display_name"] == "王 芳"
    assert r.json()["login"] == "target.in"  # the login never changes


async def test_openapi_document_describes_token_and_cookie_sign_in(world: World) -> None:
    doc = (await world.client.get("/api/schema/openapi.json")).json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["api_token"]["scheme"] == "bearer" and schemes["session"]["in"] == "cookie"
    assert {"api_token": []} in doc["security"]
