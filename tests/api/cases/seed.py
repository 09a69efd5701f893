"""Thirty cases of ten kinds of history, written as events, with the flags a hand count needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from events import cases as ev
from events.base import Event
from services.cases.calendar import TZ

MON = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Seeded:
    events: list[Event]
    counts_for_response: bool
    in_time: bool
    rated: bool
    solved: bool
    satisfaction: str | None


def history(n: int, unit: str) -> Seeded:
    kind = n % 10
    t = MON + timedelta(minutes=n)
    sub = ev.CaseSubmitted(case_id=f"seed{n}", kind="rights_request", unit_id=unit, text=f"诉求{n}", at=t)
    acc = ev.CaseAccepted(kind="rights_request", urgency="normal", at=t)
    work = [acc, ev.CaseAssigned(unit_id=unit, at=t), ev.CaseSignedFor(at=t)]

    def reply(at: datetime) -> Event:
        return ev.MessagePosted(
            message_id=f"m{n}", visibility="public", from_requester=False, text="收到", at=at
        )

    done = [ev.CaseAnswered(text="答复", at=t + 2 * HOUR), ev.CaseResolved(summary="办结", at=t + 2 * HOUR)]

    def rated(solved: bool, sat: str) -> Event:
        return ev.CaseRated(solved=solved, satisfaction=sat, at=t + 3 * HOUR)  # type: ignore[arg-type]

    match kind:
        case 0:
            return Seeded(
                [sub, ev.CaseDeclined(reason="out_of_scope", text="不属受理范围", at=t)],
                False,
                False,
                False,
                False,
                None,
            )
        case 1:
            return Seeded([sub, ev.CaseMerged(into_case_id="seed0", at=t)], False, False, False, False, None)
        case 2:
            return Seeded([sub, acc, ev.CaseWithdrawn(at=t + HOUR)], False, False, False, False, None)
        case 3:
            return Seeded([sub, *work, reply(t + HOUR), *done], True, True, False, False, None)
        case 4:
            return Seeded(
                [sub, *work, reply(t + HOUR), *done, rated(True, "satisfied")],
                True,
                True,
                True,
                True,
                "satisfied",
            )
        case 5:
            late = [
                ev.CaseAnswered(text="迟复", at=t + timedelta(days=3)),
                ev.CaseResolved(summary="办结", at=t + timedelta(days=3)),
                ev.CaseRated(solved=True, satisfaction="basically_satisfied", at=t + timedelta(days=3)),
            ]
            return Seeded([sub, *work, *late], True, False, True, True, "basically_satisfied")
        case 6:
            return Seeded(
                [sub, *work, reply(t + HOUR), *done, rated(False, "dissatisfied")],
                True,
                True,
                True,
                False,
                "dissatisfied",
            )
        case 7:
            reopen = ev.CaseReopened(reason="没解决", by_leader=False, at=t + 4 * HOUR)
            return Seeded(
                [sub, *work, reply(t + HOUR), *done, rated(False, "dissatisfied"), reopen],
                True,
                True,
                False,
                False,
                None,
            )
        case 8:
            back = [
                acc,
                ev.CaseAssigned(unit_id=unit, at=t),
                ev.CaseReturned(reason="非本部门", at=t),
                ev.CaseAssigned(unit_id=unit, at=t),
                ev.CaseSignedFor(at=t),
            ]
            return Seeded([sub, *back, reply(t + HOUR)], True, True, False, False, None)
        case _:
            return Seeded(
                [sub, *work, reply(t + HOUR), ev.CaseWithdrawn(at=t + 2 * HOUR)],
                True,
                True,
                False,
                False,
                None,
            )
