"""What a requester sees with the receipt code: never a handler's name, never an internal step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from services.cases.handle import Loaded, read_case
from services.cases.timeline import timeline

SHOWN_FIELDS = ("text", "reason", "question", "summary", "into_case_id", "solved", "satisfaction", "comment")


class Step(msgspec.Struct, frozen=True):
    at: datetime
    type: str
    from_requester: bool
    unit_name: str | None = None
    details: dict[str, Any] = {}


class RequesterView(msgspec.Struct, frozen=True):
    status: str
    kind: str
    unit_name: str
    submitted_at: datetime | None
    waiting_question: str | None
    can_reply: bool
    can_rate: bool
    can_withdraw: bool
    can_reopen: bool
    steps: list[Step]


async def requester_view(state: Any, case_id: str, loaded: Loaded | None = None) -> RequesterView:
    """`loaded`: the case as the caller holds it (then it is not read again)."""
    pool = state.resources.pool
    loaded = loaded if loaded is not None else await read_case(pool, case_id)
    case = loaded.state
    names = dict(
        await pool.fetch(
            "SELECT unit_id, name FROM unit_tree WHERE unit_id = ANY($1)",
            [u for u in (case.unit_id, case.lead_unit) if u],
        )
    )
    steps = [_step(s.type, s.at, s.body, names) for s in timeline(loaded.entries, public_only=True)]
    return RequesterView(
        status=case.status,
        kind=case.kind,
        unit_name=names.get(case.lead_unit or case.unit_id, ""),
        submitted_at=case.submitted_at,
        waiting_question=case.waiting_question,
        can_reply=case.is_open or case.status == "resolved",
        can_rate=case.status == "resolved",
        can_withdraw=case.is_open,
        can_reopen=case.status == "rated",
        steps=steps,
    )


def _step(type_name: str, at: datetime, body: dict[str, Any], names: dict[str, str]) -> Step:
    unit = body.get("unit_id")
    details = {k: body[k] for k in SHOWN_FIELDS if k in body}
    return Step(
        at=at,
        type=type_name,
        from_requester=bool(body.get("from_requester")),
        unit_name=names.get(unit) if unit else None,
        details=details,
    )
