"""Working-day calendar and due times: holidays, adjusted workdays, pauses, reopen."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from events import cases as ev
from services.cases.calendar import TZ, WorkCalendar
from services.cases.policy import DEFAULT_POLICY
from services.cases.state import fold
from services.cases.timing import dues
from tests.unit.cases.spec import in_progress, submitted

pytestmark = pytest.mark.unit
DAY = 8 * 3600


def test_friday_evening_plus_one_working_day_is_monday_five_pm() -> None:
    friday = datetime(2026, 3, 6, 17, 30, tzinfo=TZ)
    assert WorkCalendar().add_working_seconds(friday, DAY) == datetime(2026, 3, 9, 17, 0, tzinfo=TZ)


def test_a_monday_holiday_moves_it_to_tuesday() -> None:
    friday = datetime(2026, 3, 6, 17, 30, tzinfo=TZ)
    cal = WorkCalendar({date(2026, 3, 9): False})
    assert cal.add_working_seconds(friday, DAY) == datetime(2026, 3, 10, 17, 0, tzinfo=TZ)


def test_official_holidays_come_from_the_library() -> None:
    before_national_day = datetime(2026, 9, 30, 17, 30, tzinfo=TZ)  # 1–7 October 2026 are off
    due = WorkCalendar().add_working_seconds(before_national_day, DAY)
    assert due.date() == date(2026, 10, 8)


def test_a_saturday_declared_a_working_day_counts() -> None:
    friday = datetime(2026, 3, 6, 17, 30, tzinfo=TZ)
    cal = WorkCalendar({date(2026, 3, 7): True})
    assert cal.add_working_seconds(friday, DAY) == datetime(2026, 3, 7, 17, 0, tzinfo=TZ)


def test_a_year_the_library_does_not_know_falls_back_and_says_so() -> None:
    cal = WorkCalendar({date(2027, 1, 1): False})
    thursday = datetime(2026, 12, 31, 17, 30, tzinfo=TZ)
    assert cal.add_working_seconds(thursday, DAY) == datetime(2027, 1, 4, 17, 0, tzinfo=TZ)
    assert 2027 in cal.unknown_years


def test_remembered_due_times_keep_their_warning_and_their_declared_days() -> None:
    """Due times are memoised across calendars: a second calendar served from the memo
    still learns the unknown year, and one with other declared days gets its own answer."""
    thursday = datetime(2026, 12, 31, 17, 30, tzinfo=TZ)
    first, again = WorkCalendar({date(2027, 1, 1): False}), WorkCalendar({date(2027, 1, 1): False})
    assert first.add_working_seconds(thursday, DAY) == again.add_working_seconds(thursday, DAY)
    assert again.unknown_years == {2027}
    known = WorkCalendar()
    assert known.add_working_seconds(datetime(2026, 3, 6, 17, 30, tzinfo=TZ), DAY) == datetime(
        2026, 3, 9, 17, 0, tzinfo=TZ
    )
    assert known.unknown_years == set()
    other = WorkCalendar({date(2027, 1, 1): False, date(2027, 1, 4): False})
    assert other.add_working_seconds(thursday, DAY) == datetime(2027, 1, 5, 17, 0, tzinfo=TZ)


def test_pause_moves_the_resolution_due_by_exactly_the_paused_working_time() -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    cal = WorkCalendar()
    base = dues(fold(in_progress(start)), cal, DEFAULT_POLICY).resolve
    ask, resume = start + timedelta(hours=2), start + timedelta(days=1, hours=3)  # Tue 12:00
    paused = fold([*in_progress(start), ev.RequesterAsked(question="?", at=ask), ev.CaseResumed(at=resume)])
    moved = dues(paused, cal, DEFAULT_POLICY).resolve
    assert base is not None and moved is not None
    assert cal.working_seconds_between(base, moved) == cal.working_seconds_between(ask, resume) == 9 * 3600


def test_while_paused_the_resolution_clock_does_not_run() -> None:
    waiting = fold([*in_progress(), ev.RequesterAsked(question="?", at=in_progress()[0].at)])  # type: ignore[attr-defined]
    assert dues(waiting, WorkCalendar(), DEFAULT_POLICY).resolve is None


def test_urgent_cases_run_on_the_wall_clock() -> None:
    friday_night = datetime(2026, 3, 6, 22, 0, tzinfo=TZ)
    d = dues(fold([submitted(friday_night, urgency="urgent")]), WorkCalendar(), DEFAULT_POLICY)
    assert d.accept == friday_night + timedelta(hours=2)


def test_reopen_starts_a_new_cycle_and_keeps_the_old_breach() -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    history = [
        *in_progress(start),
        ev.CaseBreached(clock="resolve", cycle=1, due_at=start, at=start),
        ev.CaseAnswered(text="a", at=start),
        ev.CaseResolved(summary="s", at=start),
        ev.CaseRated(solved=False, satisfaction="dissatisfied", at=start),
    ]
    reopened_at = start + timedelta(days=14)
    s = fold([*history, ev.CaseReopened(reason="没解决", by_leader=False, at=reopened_at)])
    assert (s.cycle, s.breaches, s.status) == (2, ("1:resolve",), "in_progress")
    d = dues(s, WorkCalendar(), DEFAULT_POLICY)
    assert d.resolve == WorkCalendar().add_working_seconds(reopened_at, 7 * DAY)
