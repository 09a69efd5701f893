"""Running a case command from HTTP: ids and expected version from the headers, the clock
from the app, then read-your-writes so the answer shows the step just taken."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State

from projections.runner import wait_for
from services.cases.commands import AnyCommand
from services.cases.handle import handle
from services.commanding import Outcome, command_id_from, expected_from

CASE_PROJECTIONS = ("case_timeline", "open_issue_queue", "resolution_rates")
# A step's answer shows the case's timeline: that is the projection it waits for. The queue
# and rates follow within milliseconds; waiting for them too would only slow every step.
SHOWN = ("case_timeline",)


async def run_command(
    request: Request[Any, Any, Any], state: State, case_id: str, command: AnyCommand, *, actor: str | None
) -> Outcome:
    outcome = await handle(
        state.resources.store,
        case_id,
        command,
        command_id=command_id_from(request.headers, state.ids),
        actor=actor,
        now=state.clock.now(),
        expected=expected_from(request.headers),
        fresh_id="idempotency-key" not in request.headers,
    )
    if outcome.position is not None:
        await wait_for(state.resources.pool, SHOWN, outcome.checkpoint or outcome.position, timeout=5)
    return outcome
