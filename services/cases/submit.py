"""Raising a case: the receipt code and the contact key are stored in the same transaction
as the CaseSubmitted event, so a case never exists without its receipt, nor the reverse.

Also the entry point for other slices (a survey's free-text answer raised as a problem).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import msgspec

from events.base import pending
from events.store.append import append
from events.store.expected import Expect
from services.access.keys import service_secret
from services.cases import receipts, sealing
from services.cases.commands import SubmitCase
from services.cases.decider import Context, decide
from services.cases.handle import stream
from services.cases.policy import DEFAULT_POLICY
from services.cases.state import CaseState
from services.cases.timing import Dues
from services.commanding import retry_order_conflicts


class SubmittedCase(msgspec.Struct, frozen=True):
    case_id: str
    receipt_code: str  # shown once; only its HMAC is kept
    position: int  # of the CaseSubmitted event, for read-your-writes


async def submit_case(
    res: Any,
    clock: Any,
    ids: Any,
    *,
    kind: str,
    unit_id: str,
    text: str,
    urgency: str = "normal",
    source: str = "web",
    contact: str | None = None,
    state: Any = None,
) -> SubmittedCase:
    """Submit a case. `res` is app.state.resources (`state`, app.state, may be given too)."""
    case_id = str(ids.new())
    code = receipts.new_code()
    key, sealed = sealing.seal(contact) if contact else (None, None)
    command = SubmitCase(
        case_id=case_id,
        kind=kind,  # type: ignore[arg-type]  # validated by the caller's body Struct
        unit_id=unit_id,
        text=text,
        urgency=urgency,  # type: ignore[arg-type]
        anonymous=contact is None,
        contact_sealed=sealed,
        source=source,
    )
    events = decide(command, CaseState(), Context(now=clock.now(), dues=Dues(), policy=DEFAULT_POLICY))
    secret = await service_secret(
        state if state is not None else SimpleNamespace(settings=res.settings, resources=res)
    )

    async def attempt() -> int:
        async with res.store.unit_of_work() as conn:
            await receipts.remember(conn, secret, code, case_id)
            if key is not None:
                await sealing.store_key(conn, case_id, key)
            done = await append(
                conn, stream(case_id), pending(events, command_id=ids.new()), Expect.NO_STREAM
            )
            return done.positions[-1]

    position = await retry_order_conflicts(attempt)
    return SubmittedCase(case_id=case_id, receipt_code=code, position=position)
