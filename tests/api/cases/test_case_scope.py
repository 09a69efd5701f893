"""A case belongs to the unit it was raised in and, while assigned, to its lead unit: a
handler of either may see and work it; once it is handed back, the lead unit's handler
gets 404 again — exactly like a missing case."""

from __future__ import annotations

import pytest

from tests.api.cases.support import case_id_of, raise_case, step
from tests.support.access import World, create_account, sign_in

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
