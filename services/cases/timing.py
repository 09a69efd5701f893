"""Due times of a case, computed from its state, the working calendar and the policy.

Pure: the same events and the same calendar always give the same due times, so a rebuilt
projection agrees with the live one. Pauses (waiting for the requester) move the resolution
due time by exactly the paused time, measured like the limit itself (working or wall time).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from services.cases.calendar import WORKDAY_SECONDS, WorkCalendar
from services.cases.policy import Limit, Policy
from services.cases.state import CaseState


class Dues(msgspec.Struct, frozen=True):
    accept: datetime | None = None
    respond: datetime | None = None
    resolve: datetime | None = None  # None while paused or once resolved

    def running(self) -> list[tuple[str, datetime]]:
        return [
            (c, d)
            for c, d in (("accept", self.accept), ("respond", self.respond), ("resolve", self.resolve))
            if d is not None
        ]

    def earliest(self) -> datetime | None:
        running = [d for _, d in self.running()]
        return min(running) if running else None


def add(cal: WorkCalendar, start: datetime, limit: Limit, extra_seconds: float = 0.0) -> datetime:
    if limit.working:
        return cal.add_working_seconds(start, limit.seconds + extra_seconds)
    return start + timedelta(seconds=limit.seconds + extra_seconds)


def paused_seconds(cal: WorkCalendar, s: CaseState, limit: Limit) -> float:
    total = 0.0
    for start, end in s.pauses:
        if end is None:
            continue
        total += cal.working_seconds_between(start, end) if limit.working else (end - start).total_seconds()
    return total


def dues(s: CaseState, cal: WorkCalendar, policy: Policy) -> Dues:
    if not s.is_open or s.submitted_at is None:
        return Dues()
    limits = policy.limits(s.urgency)
    if s.status == "submitted":
        return Dues(accept=add(cal, s.submitted_at, limits.accept))
    assert s.accepted_at is not None and s.cycle_started_at is not None
    respond = add(cal, s.accepted_at, limits.respond) if s.responded_at is None else None
    if s.paused:
        return Dues(respond=respond)
    extension = s.extension_days * WORKDAY_SECONDS
    extra = paused_seconds(cal, s, limits.resolve) + extension
    return Dues(respond=respond, resolve=add(cal, s.cycle_started_at, limits.resolve, extra))
