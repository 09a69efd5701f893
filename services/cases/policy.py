"""Time limits per urgency: which clock, how long, counted in working or wall-clock time.

Defaults follow the issue: urgent cases (present danger, harassment) within 2 hours of wall
time; general ones accepted and first answered within 1 working day and resolved within 7;
complex ones resolved within 15. Everything is configurable through `Policy`.
"""

from __future__ import annotations

import msgspec

from services.cases.calendar import WORKDAY_SECONDS


class Limit(msgspec.Struct, frozen=True):
    seconds: float
    working: bool  # True: business hours on the working-day calendar; False: wall clock


def working_days(n: float) -> Limit:
    return Limit(n * WORKDAY_SECONDS, True)


def hours(n: float) -> Limit:
    return Limit(n * 3600, False)


class Limits(msgspec.Struct, frozen=True):
    accept: Limit
    respond: Limit
    resolve: Limit


class Policy(msgspec.Struct, frozen=True, kw_only=True):
    urgent: Limits = Limits(hours(2), hours(2), working_days(3))
    normal: Limits = Limits(working_days(1), working_days(1), working_days(7))
    complex: Limits = Limits(working_days(1), working_days(1), working_days(15))
    due_soon_seconds: float = 24 * 3600  # "due within 24 h" badge 即将到期 and the due-soon event
    rating_window_days: int = 7
    reopen_window_days: int = 30
    satisfied_weight_basic: float = 1.0  # w in 满意率 = (满意 + w·基本满意) ÷ rated
    composite: tuple[float, float, float] = (0.1, 0.45, 0.45)  # response, resolution, satisfaction
    ranking_min_rated: int = 5

    def limits(self, urgency: str) -> Limits:
        return {"urgent": self.urgent, "complex": self.complex}.get(urgency, self.normal)


DEFAULT_POLICY = Policy()
