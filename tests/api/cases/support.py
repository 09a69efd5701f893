"""Driving a case through the API as a requester and as staff."""

from __future__ import annotations

from typing import Any

from tests.support.access import World

CODE_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$"


async def raise_case(w: World, unit: str, text: str = "食堂排队时间过长", **extra: Any) -> str:
    body = {"kind": "suggestion", "unit_id": unit, "text": text, **extra}
    r = await w.client.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.text
    code = r.json()["receipt_code"]
    w.secrets.append(code)
    return str(code)


async def case_id_of(w: World, role: str = "handler") -> str:
    r = await w.client.get("/api/v1/queue", headers=w.auth[role].headers())
    assert r.status_code == 200, r.text
    assert r.json(), "the queue is empty"
    return str(r.json()[0]["case_id"])


async def step(
    w: World,
    case_id: str,
    op: str,
    body: Any = None,
    role: str = "handler",
    headers: dict[str, str] | None = None,
) -> Any:
    h = {**w.auth[role].headers(), **(headers or {})}
    return await w.client.post(
        f"/api/v1/cases/{case_id}/{op}", json=body if body is not None else {}, headers=h
    )


async def drive_to_resolved(w: World, case_id: str, unit: str) -> None:
    for op, body in (
        ("accept", {}),
        ("assign", {"unit_id": unit}),
        ("sign", {}),
        ("messages", {"visibility": "public", "text": "已收到，正在处理"}),
        ("answer", {"text": "已增加两个窗口"}),
        ("resolve", {"text": "办结"}),
    ):
        r = await step(w, case_id, op, body)
        assert r.status_code == 200, (op, r.text)


async def receipt(w: World, code: str, op: str = "", **body: Any) -> Any:
    return await w.client.post("/api/v1/receipt" + (f"/{op}" if op else ""), json={"code": code, **body})
