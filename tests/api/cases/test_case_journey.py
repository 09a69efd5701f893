"""A problem raised anonymously, handled, answered, rated — through HTTP, as people do it."""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest

from tests.api.cases.support import CODE_PATTERN, case_id_of, drive_to_resolved, raise_case, receipt, step
from tests.support.access import World

pytestmark = pytest.mark.api


async def test_anonymous_case_from_submission_to_rating(world: World) -> None:
    w = world
    code = await raise_case(w, w.units["A1"], kind="rights_request")
    assert re.match(CODE_PATTERN, code)
    case_id = await case_id_of(w)
    await drive_to_resolved(w, case_id, w.units["A1"])
    await step(w, case_id, "messages", {"visibility": "internal", "text": "内部备注：已请示校长"})
    seen = await receipt(w, code)
    assert seen.status_code == 200 and seen.headers["cache-control"] == "no-store"
    assert seen.headers["referrer-policy"] == "no-referrer"
    view = seen.json()
    assert view["status"] == "resolved" and view["can_rate"] and view["unit_name"] == "教务处"
    texts = [s["details"].get("text") for s in view["steps"]]
    assert "已收到，正在处理" in texts and "内部备注：已请示校长" not in texts
    assert "Handler" not in seen.text and w.accounts["handler"] not in seen.text  # no handler names or ids
    rated = await receipt(w, code, "rate", solved=True, satisfaction="satisfied")
    assert rated.status_code == 200 and rated.json()["status"] == "rated"
    staff = await w.client.get(f"/api/v1/cases/{case_id}", headers=w.auth["leader"].headers())
    assert staff.status_code == 200 and staff.json()["status"] == "rated"
    assert any(t["visibility"] == "internal" for t in staff.json()["timeline"])


async def test_two_handlers_accept_at_once_one_wins_and_a_retry_gets_the_first_result(world: World) -> None:
    w = world
    await raise_case(w, w.units["A1"])
    case_id = await case_id_of(w)
    key = str(uuid.uuid4())
    first, second = await asyncio.gather(
        step(w, case_id, "accept", headers={"If-Match": '"1"', "Idempotency-Key": key}),
        step(w, case_id, "accept", headers={"If-Match": '"1"'}),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409]
    loser = first if first.status_code == 409 else second
    assert loser.json()["type"] in ("/problems/wrong-expected-version", "/problems/case-transition-refused")
    again = await step(w, case_id, "accept", headers={"If-Match": '"1"', "Idempotency-Key": key})
    if first.status_code == 200:
        assert again.status_code == 200 and again.json()["version"] == first.json()["version"]


async def test_wrong_codes_look_alike_and_the_26th_guess_a_minute_is_refused(world: World) -> None:
    w = world
    real = await raise_case(w, w.units["A1"])
    bodies = set()
    for typed in ("0000-0000-0000-0000-0000", "not a code", real[:-1] + ("0" if real[-1] != "0" else "1")):
        r = await receipt(w, typed)
        assert r.status_code == 404
        bodies.add(r.text)
    assert len(bodies) == 1
    statuses = [(await receipt(w, f"{n:020d}")).status_code for n in range(25)]
    assert statuses[-1] == 429 and 404 in statuses
    limited = await receipt(w, real)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


async def test_a_case_outside_the_callers_subtree_is_missing(world: World, pool) -> None:  # type: ignore[no-untyped-def]
    w = world
    await raise_case(w, w.units["B1"])
    queue = await w.client.get("/api/v1/queue", headers=w.auth["handler"].headers())
    assert queue.json() == []
    outside = await pool.fetchval("SELECT case_id FROM resolution_rates WHERE unit_id = $1", w.units["B1"])
    hidden = await w.client.get(f"/api/v1/cases/{outside}", headers=w.auth["handler"].headers())
    missing = await w.client.get(f"/api/v1/cases/{uuid.uuid4()}", headers=w.auth["handler"].headers())
    assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()
    assert (await step(w, outside, "accept")).status_code == 404


async def test_bad_input_is_refused_clearly_and_stores_nothing(world: World, pool) -> None:  # type: ignore[no-untyped-def]
    w = world
    before = await pool.fetchval("SELECT count(*) FROM events")
    base = {"kind": "suggestion", "unit_id": w.units["A1"]}
    cases = [
        ({**base, "text": ""}, 422),
        ({**base, "text": "\u200b\u200b "}, 422),
        ({**base, "text": "abc\u202etxt.exe"}, 422),
        ({**base, "kind": "complaint", "text": "x"}, 422),
        ({**base, "text": "x", "extra": 1}, 422),
        ({**base, "text": "x" * 5001}, 422),
        ({**base, "unit_id": "no-such-unit", "text": "x"}, 422),
        ({**base, "text": "x" * 70_000}, 413),
    ]
    for body, status in cases:
        r = await w.client.post("/api/v1/cases", json=body)
        assert r.status_code == status, (body.get("text", "")[:20], r.text[:200])
        assert r.headers["content-type"].startswith("application/problem+json")
    assert await pool.fetchval("SELECT count(*) FROM events") == before
    code = await raise_case(w, w.units["A1"], text="<script>alert(1)</script>")
    r = await receipt(w, code, "rate", solved=True, satisfaction="delighted")
    assert r.status_code == 422
    shown = (await receipt(w, code)).json()["steps"][0]["details"]["text"]
    assert shown == "<script>alert(1)</script>"  # JSON keeps it literally; pages escape it


async def test_the_receipt_code_is_stored_nowhere_and_logged_nowhere(
    world: World,
    pool,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    w = world
    code = await raise_case(w, w.units["A1"], text="匿名反映")
    case_id = await case_id_of(w)
    await drive_to_resolved(w, case_id, w.units["A1"])
    assert (await receipt(w, code, "reply", text="谢谢")).status_code == 200
    assert (await receipt(w, code, "rate", solved=True, satisfaction="satisfied")).status_code == 200
    forms = {code, code.replace("-", ""), code.lower()}
    tables = [r[0] for r in await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    for table in tables:
        dump = "\n".join(r[0] for r in await pool.fetch(f'SELECT t::text FROM "{table}" t'))
        assert not any(f in dump for f in forms), f"the receipt code is in {table}"
    assert not any(f in caplog.text for f in forms)
