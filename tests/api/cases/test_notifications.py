"""Notifications in the app and to webhooks: at least once through a flaky receiver, and
never a receipt code or more than an excerpt of an anonymous requester's words."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from events.store import EventStore
from services.cases import webhooks
from services.settings import WebhookTarget
from tests.api.cases.support import case_id_of, raise_case, step
from tests.support.access import World
from tests.support.running import until

pytestmark = pytest.mark.api
LONG = "食堂午餐排队时间过长，每天要等二十多分钟，建议增加窗口或者错峰就餐，另外菜价也偏高。"


class FlakyReceiver:
    """A local HTTP receiver that answers 500 to every third request."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(
            next(
                line.split(b":")[1]
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
        )
        payload = await reader.readexactly(length)
        self.requests += 1
        ok = self.requests % 3 != 0
        if ok:
            self.bodies.append(json.loads(payload))
        status = b"200 OK" if ok else b"500 Internal Server Error"
        writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[FlakyReceiver, str]]:
    r = FlakyReceiver()
    server = await asyncio.start_server(r.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield r, f"http://127.0.0.1:{port}/hook"
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await server.wait_closed()


async def test_notifications_reach_the_app_and_a_flaky_webhook_at_least_once(
    world: World, store: EventStore, clock: Any, receiver: tuple[FlakyReceiver, str]
) -> None:
    w, (hook, url) = world, receiver
    codes = [await raise_case(w, w.units["A1"], text=LONG) for _ in range(4)]
    case_id = await case_id_of(w)
    assert (await step(w, case_id, "accept")).status_code == 200
    assert (await step(w, case_id, "assign", {"unit_id": w.units["A1"]})).status_code == 200
    # A step answers with the case from its stream; the notifications projection follows it
    # within milliseconds (a step does not wait for it).
    mine: list[dict[str, Any]] = []

    async def assigned_seen() -> bool:
        nonlocal mine
        mine = (await w.client.get("/api/v1/notifications", headers=w.auth["handler"].headers())).json()
        return any(n["kind"] == "assigned" for n in mine)

    await until(assigned_seen)
    assert {n["kind"] for n in mine} == {"submitted", "assigned"} and len(mine) == 5
    assert all(len(n["excerpt"]) <= 31 for n in mine)
    targets = [WebhookTarget(url=url, format="wecom")]
    assert await webhooks.enqueue(store.pool, targets, clock.now()) == 5
    async with httpx.AsyncClient() as client:
        for _ in range(6):  # the receiver fails every third post; backoff moves retries later
            await webhooks.deliver_due(store.pool, client, targets, clock.now())
            clock.advance(seconds=70)
    delivered = await store.pool.fetchval(
        "SELECT count(*) FROM webhook_deliveries WHERE delivered_at IS NOT NULL"
    )
    assert delivered == 5 and hook.requests > 5  # some posts failed and were retried
    texts = [b["text"]["content"] for b in hook.bodies]
    assert len(texts) >= 5 and all(t.startswith("【群声】") for t in texts)
    for code in codes:
        assert all(code not in t for t in texts)
    assert all(LONG not in t for t in texts)  # only an excerpt of the requester's words
    assert await webhooks.enqueue(store.pool, targets, clock.now() + timedelta(seconds=1)) == 0
