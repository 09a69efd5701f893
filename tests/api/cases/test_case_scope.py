"""A case belongs to the unit it was raised in and, while assigned, to its lead unit: a
handler of either may see and work it; once it is handed back, the lead unit's handler
gets 404 again — exactly like a missing case."""

from __future__ import annotations

import pytest

from events.cases import MessagePosted
from events.store import EventStore
from services.cases.handle import stream
from tests.api.cases.support import case_id_of, raise_case, step
from tests.support.access import World, create_account, sign_in
from tests.support.fakes import FixedClock
from tests.support.helpers import new

pytestmark = pytest.mark.api


async def test_the_lead_unit_sees_a_case_only_while_it_is_assigned_to_it(world: World) -> None:
    w = world
    await create_account(w, "handler.b", w.units["B"], (("handler", w.units["B"]),))
    w.auth["handler.b"] = await sign_in(w, "handler.b")
    await raise_case(w, w.units["A1"])
    case_id = await case_id_of(w)

    async def seen_by(role: str) -> int:
        r = await w.client.get(f"/api/v1/cases/{case_id}", headers=w.auth[role].headers())
        return r.status_code

    assert await seen_by("handler") == 200 and await seen_by("handler.b") == 404
    assert (await step(w, case_id, "accept", role="handler.b")).status_code == 404
    assert (await step(w, case_id, "accept")).status_code == 200
    assert (await step(w, case_id, "assign", {"unit_id": w.units["B1"]})).status_code == 200
    assert await seen_by("handler.b") == 200
    assert (
        await step(w, case_id, "messages", {"visibility": "internal", "text": "看看"}, role="handler.b")
    ).status_code == 200
    back = await step(w, case_id, "return", {"reason": "不属本单位职责"}, role="handler.b")
    assert back.status_code == 200 and back.json()["lead_unit"] is None
    assert await seen_by("handler.b") == 404 and await seen_by("handler") == 200
    assert (
        await step(w, case_id, "messages", {"visibility": "internal", "text": "x"}, role="handler.b")
    ).status_code == 404


async def test_a_step_reads_its_caller_with_the_case_and_every_change_bites_at_once(world: World) -> None:
    """Case steps check the caller in the same query that reads the case (`reads_caller`):
    no credentials, a stale CSRF token, a bogus or revoked token, a revoked role, a closed
    session and a disabled account each refuse the very next step, and nothing is appended."""
    w = world
    await create_account(w, "handler.a", w.units["A"], (("handler", w.units["A"]),))
    w.auth["handler.a"] = await sign_in(w, "handler.a")
    await raise_case(w, w.units["A1"])
    case_id = await case_id_of(w)
    note = {"visibility": "internal", "text": "核实中"}
    assert (await step(w, case_id, "accept", role="handler.a")).status_code == 200

    async def note_as(headers: dict[str, str]) -> int:
        r = await w.client.post(f"/api/v1/cases/{case_id}/messages", json=note, headers=headers)
        assert r.headers["content-type"].startswith("application/problem+json") or r.status_code == 200
        return r.status_code

    own = w.auth["handler.a"].headers()
    assert await note_as(own) == 200
    assert await note_as({}) == 401
    assert await note_as({"Cookie": "qs_session=forged"}) == 401
    assert await note_as({"Authorization": "Bearer qs_forged"}) == 401
    assert await note_as({**own, "X-CSRF-Token": "stale"}) == 403
    # Who is calling is settled before the body is looked at, as on every route.
    for forged in ({"Cookie": "qs_session=forged"}, {"Authorization": "Bearer qs_forged"}):
        for content, kind in ((b"{not json", "application/json"), (b"x", "text/plain")):
            r = await w.client.post(
                f"/api/v1/cases/{case_id}/messages", content=content, headers={**forged, "Content-Type": kind}
            )
            assert r.status_code == 401, (forged, kind, r.status_code)
    token = await w.client.post("/api/v1/auth/tokens", headers=own, json={"label": "对接"})
    bearer = {"Authorization": f"Bearer {token.json()['token']}"}
    w.secrets.append(token.json()["token"])
    assert await note_as(bearer) == 200
    revoke = await w.client.delete(f"/api/v1/auth/tokens/{token.json()['token_id']}", headers=own)
    assert revoke.status_code == 204 and await note_as(bearer) == 401
    account, unit = w.accounts["handler.a"], w.units["A"]
    r = await w.client.delete(f"/api/v1/accounts/{account}/roles/{unit}/handler", headers=w.root)
    assert r.status_code == 200 and await note_as(own) == 403  # no handler role anywhere now
    r = await w.client.post(
        f"/api/v1/accounts/{account}/roles", headers=w.root, json={"unit_id": unit, "role": "handler"}
    )
    assert r.status_code == 200 and await note_as(own) == 200
    second = (await sign_in(w, "handler.a")).headers()
    assert (await w.client.post("/api/v1/auth/sign-out", headers=own)).status_code == 204
    assert await note_as(own) == 401 and await note_as(second) == 200
    assert (await w.client.post(f"/api/v1/accounts/{account}/disable", headers=w.root)).status_code == 200
    assert await note_as(second) == 401
    timeline = (await w.client.get(f"/api/v1/cases/{case_id}", headers=w.auth["handler"].headers())).json()
    notes = [s for s in timeline["timeline"] if s["body"].get("text") == "核实中"]
    assert len(notes) == 4  # the four steps that were let through, and no other


async def test_a_step_reads_what_others_appended_and_notices_a_stream_that_changed(
    world: World, store: EventStore, clock: FixedClock
) -> None:
    """This process remembers the cases it stepped (services/cases/recent.py) and reads only
    what came after: events another process appended since are in the next answer, and a
    remembered last event that is no longer the stream's (a restore) makes it read the
    stream whole instead of trusting what it held."""
    w = world
    await raise_case(w, w.units["A1"])
    case_id = await case_id_of(w)
    assert (await step(w, case_id, "accept")).json()["version"] == 2

    def note(text: str) -> MessagePosted:
        return MessagePosted(
            message_id=text, visibility="internal", from_requester=False, text=text, at=clock.now()
        )

    await store.append(stream(case_id), new(note("另一个进程")), 2)  # another API process's step
    seen = await step(w, case_id, "messages", {"visibility": "internal", "text": "本进程"})
    texts = [s["body"].get("text") for s in seen.json()["timeline"]]
    assert seen.json()["version"] == 4 and texts[-2:] == ["另一个进程", "本进程"]

    # The store is restored to before version 4 and another step is taken there meanwhile.
    await store.pool.execute(
        "DELETE FROM events WHERE stream_id = $1 AND stream_version = 4", stream(case_id)
    )
    await store.append(stream(case_id), new(note("恢复后")), 3)
    after = await step(w, case_id, "messages", {"visibility": "internal", "text": "再记一笔"})
    texts = [s["body"].get("text") for s in after.json()["timeline"]]
    assert after.json()["version"] == 5 and texts[-3:] == ["另一个进程", "恢复后", "再记一笔"]
