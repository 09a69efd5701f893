"""A case step decided from what this process holds, appended in one round trip.

A step reads before it decides: the caller's account (are they still who they were, with
the roles they had?), the case from the version held here on (recent.py), the paths of its
units. Steps come in runs from one handler, and when this process holds all three from the
caller's previous step, the step is decided from them and appended on the condition
(events/store/append.py: Condition) that none has changed since, checked in the append's
own statement:

* the session or token is still live and the account's last event is the one held
  (a revoked role, a disabled account, a closed session each add an event or remove the row);
* the case's last event is the one held (its version is the append's expected version);
* the case's units still have the paths held (a unit moved out of the caller's subtree).

One round trip instead of two: in-process CPU per step went from about 370 to 310 µs, and
bench/cases.py from about 1,560 to 1,700–1,890 steps/s on one worker. When anything
changed, nothing is appended and the step is taken the usual way: read, decide, append
(and that case reads first for a minute: recent.py, `missed`). So is every refusal: a 401,
403, 404, 409 or 422 is only ever answered after a read, never from what is held here, and
so is a step that appends nothing (there is no append to carry the check).
"""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar.exceptions import HTTPException

from events.store import Condition, ConditionFailed
from events.store.errors import StoreError
from services.access import sessions
from services.access.guards import PendingCaller, Principal, may_call
from services.cases.handle import Loaded, carry_out, stream
from services.cases.recent import HeldCaller, Paths, RecentCases, caller_key
from services.cases.staff_view import covers
from services.commanding import raw_header, strict_body
from services.problems import Problem

# $1–$3: sessions.ACCOUNT_STREAM's (token digest, stream prefix, now); $4 the account's
# held last event; $5–$6 the case's stream and held last event; $7–$10 its units and paths.
_UNCHANGED = {
    kind: f"""(SELECT event_id FROM events WHERE stream_id = {account}
                ORDER BY stream_version DESC LIMIT 1) = $4::uuid
   AND (SELECT event_id FROM events WHERE stream_id = $5 ORDER BY stream_version DESC LIMIT 1) = $6::uuid
   AND (SELECT path FROM unit_tree WHERE unit_id = $7) = $8::text[]
   AND ($9::text IS NULL OR (SELECT path FROM unit_tree WHERE unit_id = $9) = $10::text[])"""
    for kind, account in sessions.ACCOUNT_STREAM.items()
}


async def step(
    db: Any, request: Any, case_id: str, need: str, shape: type[Any], build: Any, empty: Any
) -> tuple[Loaded, Principal] | None:
    """The step taken from what is held, or None: take it the usual way (read first)."""
    state = request.app.state
    res = state.resources
    scope = request.scope
    if raw_header(scope, b"idempotency-key") or raw_header(scope, b"if-match"):
        return None  # a retry or a client's version: the usual way checks them after a read
    pending: PendingCaller = request.state.pending_caller
    now = state.clock.now()
    account = sessions.account_arguments(pending.credentials, now)
    caller = res.held_callers.get(caller_key(pending.credentials, account[0]))
    recent: RecentCases = res.recent_cases
    case, paths = recent.get(case_id), recent.paths(case_id)
    if caller is None or case is None or case.last is None or paths is None:
        return None
    if recent.lately_missed(case_id, now):
        return None
    units = [u for u in (case.state.unit_id, case.state.lead_unit) if u]
    if not units or any(u not in paths for u in units):
        return None  # just assigned to a unit whose path was not read with the case
    try:
        principal = may_call(caller.principal, need, pending.csrf_ok)
        if not covers(principal, need, case, paths):
            return None
        body = await strict_body(request, shape) if shape is not empty else empty()
        command = build(body, state)
        outcome, events = await carry_out(
            res.store,
            case_id,
            command,
            command_id=state.ids.new(),
            actor=principal.account_id,
            now=now,
            fresh_id=True,
            loaded=(case.state, case.version),
            db=db,
            condition=_condition(pending.credentials.kind, account, caller, case_id, case, units, paths),
        )
    # Refused, or something changed: read and decide again. Never a broader catch: an
    # error after the append committed (a lost connection) must not take the step twice.
    except ConditionFailed:
        recent.missed(case_id, now)
        state.metrics.case_step("missed")
        return None
    except (HTTPException, Problem, StoreError, asyncpg.UndefinedTableError):
        return None
    if not events:
        return None  # nothing appended, so nothing checked: the usual way answers
    return case.then(events, principal.account_id, outcome.last_event_id), principal


def _condition(
    kind: str,
    account: tuple[bytes, str, Any],
    caller: HeldCaller,
    case_id: str,
    case: Loaded,
    units: list[str],
    paths: Paths,
) -> Condition:
    lead = units[1] if len(units) > 1 else None
    return Condition(
        _UNCHANGED[kind],
        (
            *account,
            caller.last_event,
            stream(case_id),
            case.last,
            units[0],
            paths[units[0]],
            lead,
            paths[lead] if lead else None,
        ),
    )
