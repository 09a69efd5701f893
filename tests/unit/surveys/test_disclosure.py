"""Disclosure control and scoring: pure functions."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from services.surveys.intake.release import due_units
from services.surveys.results.disclosure import FilterTooNarrow, check_filter, suppressed
from services.surveys.results.scoring import ScoreDefinition, pooled

pytestmark = pytest.mark.unit
D = ScoreDefinition(
    version=1,
    likert_weights={"satisfied": 100, "basically_satisfied": 60, "dissatisfied": 0},
    favourable_likert=("satisfied", "basically_satisfied"),
)


def test_segment_of_one_beside_five_is_suppressed_with_its_complement() -> None:
    assert suppressed({"youth": 1, "other": 5}, k=5) == {"youth", "other"}


def test_no_subtraction_recovers_a_suppressed_child() -> None:
    """For many splits: the shown children never let parent − shown isolate fewer than k."""
    for sizes in itertools.product([0, 1, 2, 4, 5, 6, 9], repeat=3):
        children = dict(zip("abc", sizes, strict=True))
        shown = sum(sizes) >= 5
        hidden = suppressed(children, k=5, parent_shown=shown)
        assert all(n == 0 or n >= 5 for c, n in children.items() if c not in hidden)
        if shown:  # the parent total is public: what it hides must be a group of k or more
            hidden_total = sum(children[c] for c in hidden)
            assert hidden_total == 0 or hidden_total >= 5, children
            assert len([c for c in hidden if children[c] > 0]) != 1, children


def test_filter_remainder_under_k_suppresses_the_child() -> None:
    # a child of 7 where the filter holds 5: the other 2 would show as 7 − 5
    assert "a" in suppressed({"a": 5, "b": 9}, k=5, unfiltered={"a": 7, "b": 9})


@pytest.mark.parametrize(("n", "total"), [(4, 20), (16, 20), (1, 1)])
def test_filter_whose_result_or_remainder_is_under_k_is_refused(n: int, total: int) -> None:
    with pytest.raises(FilterTooNarrow):
        check_filter(n, total, k=5)


def test_filter_equal_to_everyone_is_allowed() -> None:
    check_filter(12, 12, k=5)


def test_unknown_is_excluded_from_the_score() -> None:
    s = pooled([("likert", {"satisfied": 1, "dissatisfied": 1, "unknown": 8})], D)
    assert (s.score, s.favourable, s.n) == (50.0, 0.5, 2)


def test_scales_map_onto_zero_to_hundred() -> None:
    assert pooled([("rating5", {"1": 1, "5": 1})], D).score == 50.0
    assert pooled([("recommend10", {"10": 1, "8": 1})], D).favourable == 0.5


def test_bucket_is_due_at_k_or_after_its_time_limit() -> None:
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    buckets = [
        ("full", 5, now),
        ("young", 2, now - timedelta(minutes=30)),
        ("old", 1, now - timedelta(hours=7)),
    ]
    assert due_units(buckets, k=5, after_minutes=360, now=now) == ["full", "old"]
