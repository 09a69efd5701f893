"""The one place the surveys slice talks to the cases slice: a raised free text becomes an
anonymous suggestion case. Only the text and the unit go over; the receipt code comes back
to be shown once to the respondent and is stored nowhere by this slice."""

from __future__ import annotations

from typing import Any


async def raise_case(state: Any, unit_id: str | None, text: str) -> str:
    from services.cases.submit import submit_case  # the cases slice owns its own rules

    submitted = await submit_case(
        state.resources,
        state.clock,
        state.ids,
        kind="suggestion",
        unit_id=unit_id or "",
        text=text,
        source="survey",
        state=state,
    )
    return str(submitted.receipt_code)
