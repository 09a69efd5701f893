"""Running a case command from HTTP: ids and expected version from the headers, the clock
from the app; the answer is the case after the step — what was read before it plus what it
appended, so it shows the step just taken without waiting for a projection."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Request
from litestar.datastructures import State

from services.cases.commands import AnyCommand
from services.cases.handle import Loaded, carry_out, read_case
from services.commanding import RawHeaders, command_id_from, expected_from

CASE_PROJECTIONS = ("case_timeline", "open_issue_queue", "resolution_rates")


async def run_command(
    request: Request[Any, Any, Any],
    state: State,
    case_id: str,
    command: AnyCommand,
    *,
    actor: str | None,
    loaded: Loaded | None = None,
    db: asyncpg.Connection | None = None,
) -> Loaded:
    """`loaded`: the case as the caller has just read it (then it is not read again);
    `db`: the connection the caller holds (else the pool's)."""
    headers = RawHeaders(request.scope)
    outcome, events = await carry_out(
        state.resources.store,
        case_id,
        command,
        command_id=command_id_from(headers, state.ids),
        actor=actor,
        now=state.clock.now(),
        expected=expected_from(headers),
        fresh_id=headers.get("idempotency-key") is None,
        loaded=None if loaded is None else (loaded.state, loaded.version),
        db=db,
    )
    if loaded is None or events is None:  # a retry shows the case as it is now
        return await read_case(db or state.resources.pool, case_id)
    return loaded.then(events, actor, outcome.last_event_id)
