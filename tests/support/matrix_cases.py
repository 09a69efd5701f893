"""Matrix examples for the case endpoints (handlers, leaders, admins and the queue).

A case to act on is raised (anonymously, as the public does) in the place under test; when
the request must succeed, the handler on A first walks the case to where the step is
allowed. Requester endpoints are public and listed as such.
"""

from __future__ import annotations

from typing import Any

from tests.support.matrix import Ctx, Example, Req, register, simple

# Steps that bring a fresh case to where each step is allowed, with their bodies.
BODIES: dict[str, Any] = {
    "accept": {},
    "decline": {"reason": "other", "text": "不属于受理范围"},
    "assign": None,  # the unit under test
    "sign": {},
    "return": {"reason": "不属本部门职责"},
    "messages": {"visibility": "internal", "text": "内部备注"},
    "ask": {"question": "请补充发生的时间和地点"},
    "resume": {},
    "extension": {"working_days": 3, "reason": "需要协调后勤"},
    "answer": {"text": "已增加两个窗口"},
    "resolve": {"text": "办结"},
    "escalate": {"reason": "久拖未决"},
    "extension-decision": {"approved": True, "reason": "同意延期"},
    "reopen": {"reason": "复查"},
    "merge": None,  # another case
}
SIGNED = ["accept", "assign", "sign"]
BEFORE: dict[str, list[str]] = {
    "accept": [],
    "decline": [],
    "merge": [],
    "assign": ["accept"],
    "sign": ["accept", "assign"],
    "return": ["accept", "assign"],
    "messages": [],
    "ask": SIGNED,
    "resume": [*SIGNED, "ask"],
    "extension": SIGNED,
    "answer": SIGNED,
    "resolve": [*SIGNED, "answer"],
    "escalate": ["accept"],
    "extension-decision": [*SIGNED, "extension"],
    "reopen": [*SIGNED, "answer", "resolve", "rate"],
}


async def raise_case(c: Ctx) -> tuple[str, str]:
    """A new anonymous case in the unit under test: (case id, receipt code)."""
    body = {"kind": "suggestion", "unit_id": c.unit, "text": "食堂排队时间过长"}
    r = await c.world.client.post("/api/v1/cases", json=body)
    assert r.status_code == 201, r.text
    code = str(r.json()["receipt_code"])
    c.world.secrets.append(code)
    stream = await c.pool.fetchval(
        "SELECT stream_id FROM events WHERE type = 'CaseSubmitted' ORDER BY position DESC LIMIT 1"
    )
    return str(stream).removeprefix("case-"), code


def body_for(op: str, c: Ctx, other: str = "") -> Any:
    if op == "assign":
        return {"unit_id": c.unit}
    if op == "merge":
        return {"into_case_id": other}
    return BODIES[op]


async def walk(c: Ctx, case_id: str, code: str, op: str) -> None:
    w = c.world
    for before in BEFORE[op]:
        if before == "rate":
            r = await w.client.post(
                "/api/v1/receipt/rate", json={"code": code, "solved": True, "satisfaction": "satisfied"}
            )
        else:
            r = await w.client.post(
                f"/api/v1/cases/{case_id}/{before}",
                json=body_for(before, c),
                headers=w.auth["handler"].headers(),
            )
        assert r.status_code == 200, (op, before, r.text)


def case_step(op: str) -> Example:
    async def example(c: Ctx) -> Req:
        case_id, code = await raise_case(c)
        other = (await raise_case(c))[0] if op == "merge" else ""
        if c.reaches:
            await walk(c, case_id, code, op)
        return Req("POST", f"/api/v1/cases/{case_id}/{op}", body_for(op, c, other))

    return example


async def _get_case(c: Ctx) -> Req:
    return Req("GET", f"/api/v1/cases/{(await raise_case(c))[0]}")


async def _erase(c: Ctx) -> Req:
    return Req("POST", f"/api/v1/cases/{(await raise_case(c))[0]}/erase-contact")


register(
    {
        **{f"case_{op.replace('-', '_')}": case_step(op) for op in BEFORE},
        "get_case": _get_case,
        "erase_case_contact": _erase,
        "open_issue_queue": simple("GET", lambda c: "/api/v1/queue"),
        "my_notifications": simple("GET", lambda c: "/api/v1/notifications"),
        "export_queue": simple("GET", lambda c: "/api/v1/exports/queue/csv"),
        "resolution_rates": simple("GET", lambda c: f"/api/v1/rates?unit={c.unit}"),
        "export_rates": simple("GET", lambda c: f"/api/v1/exports/rates/csv?unit={c.unit}"),
        "unit_ranking": simple("GET", lambda c: f"/api/v1/ranking?unit={c.unit}"),
        "declare_workday": simple(
            "POST",
            lambda c: "/api/v1/calendar/days",
            lambda c: {"day": "2026-05-06", "workday": False, "note": "matrix"},
        ),
    },
    # the queue and its export cover the caller's own subtrees; the calendar is one for all
    unscoped={"open_issue_queue", "export_queue", "declare_workday", "my_notifications"},
    public={
        ("POST", "/api/v1/cases"),
        ("POST", "/api/v1/receipt"),
        ("POST", "/api/v1/receipt/reply"),
        ("POST", "/api/v1/receipt/rate"),
        ("POST", "/api/v1/receipt/withdraw"),
        ("POST", "/api/v1/receipt/reopen"),
    },
)
