"""Working time on the official Chinese calendar: business hours, holidays, adjusted workdays.

Holidays and adjusted working days come from `chinese_calendar` (a maintained library), which
only knows the schedules the State Council has published — up to the current year. For a
year it does not know, Monday to Friday counts as working, corrected by the days an admin
declares (WorkdayDeclared events), and `unknown_years` tells the dashboard to show a warning.
Declared days override the library too, for a school's own closures.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

TZ = ZoneInfo("Asia/Shanghai")
DAY_START = time(9, 0)
DAY_END = time(17, 0)
WORKDAY_SECONDS = 8 * 3600
_HORIZON_DAYS = 3 * 366  # no rule is longer than this; stops a loop on a calendar with no workdays


@functools.lru_cache(maxsize=4096)
def _official(day: date) -> bool | None:
    """The library's answer (memoised: due times ask about the same days again and again),
    or None for a year it does not know."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


_MEMO: dict[tuple[object, ...], tuple[datetime, frozenset[int]]] = {}
_MEMO_SIZE = 50_000


class WorkCalendar:
    def __init__(self, declared: Mapping[date, bool] | None = None) -> None:
        self.declared = dict(declared or {})
        self.unknown_years: set[int] = set()
        self._days_key = frozenset(self.declared.items())

    def is_workday(self, day: date) -> bool:
        if day in self.declared:
            return self.declared[day]
        official = _official(day)
        if official is None:
            self.unknown_years.add(day.year)
            return day.weekday() < 5
        return official

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The moment `seconds` of working time after `start` (counted in business hours).

        Memoised across calendars with the same declared days: every step of a case asks
        for the same due times again (same start, same limit), and walking the days was a
        tenth of a step's time. The years the walk found unknown are kept with the answer,
        so `unknown_years` (the dashboard's warning) is the same with or without the memo."""
        key = (self._days_key, start, start.tzinfo, seconds)
        hit = _MEMO.get(key)
        if hit is None:
            before = set(self.unknown_years)
            self.unknown_years.clear()
            try:
                hit = (self._walk(start, seconds), frozenset(self.unknown_years))
            finally:
                self.unknown_years |= before
            if len(_MEMO) >= _MEMO_SIZE:
                _MEMO.clear()  # a crude bound: refilled by the next few steps
            _MEMO[key] = hit
        self.unknown_years |= hit[1]
        return hit[0]

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return datetime.combine(day, DAY_START, TZ), datetime.combine(day, DAY_END, TZ)

    def _walk(self, start: datetime, seconds: float) -> datetime:
        cursor = start.astimezone(TZ)
        remaining = seconds
        for _ in range(_HORIZON_DAYS):
            day = cursor.date()
            if self.is_workday(day):
                opens, closes = self._window(day)
                begin = max(cursor, opens)
                if begin < closes:
                    available = (closes - begin).total_seconds()
                    if remaining <= available:
                        return (begin + timedelta(seconds=remaining)).astimezone(start.tzinfo)
                    remaining -= available
            cursor = datetime.combine(day + timedelta(days=1), time(0), TZ)
        raise ValueError("no working time within three years: check the declared days")

    def working_seconds_between(self, a: datetime, b: datetime) -> float:
        """Working time from a to b (0 if b is not after a)."""
        if b <= a:
            return 0.0
        total, cursor, end = 0.0, a.astimezone(TZ), b.astimezone(TZ)
        while cursor < end:
            day = cursor.date()
            if self.is_workday(day):
                opens, closes = self._window(day)
                lo, hi = max(cursor, opens), min(end, closes)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            cursor = datetime.combine(day + timedelta(days=1), time(0), TZ)
        return total
