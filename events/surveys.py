"""Survey events: stream `survey-{id}`. A survey is a series; each publication is a cycle.

The definition (title, dimensions, questions) is carried whole by the draft events, so a
publication freezes exactly what respondents see; its hash is recorded with the privacy
manifest and a snapshot of the unit tree, which is what every later figure of that cycle
rolls up through (a unit moved later does not rewrite a past cycle).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from events.base import Event

QuestionKind = Literal["likert", "rating5", "recommend10", "single", "multiple", "text"]
Access = Literal["open", "code"]


class Text(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    zh: str
    en: str = ""


class Option(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    text: Text


class Dimension(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    text: Text


class Question(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    kind: QuestionKind
    text: Text
    dimension: str | None = None  # a Dimension id; scored questions count towards it
    required: bool = False
    options: tuple[Option, ...] = ()  # single / multiple choice only
    max_length: int = 500  # free text only, in characters


class Definition(msgspec.Struct, frozen=True, kw_only=True):
    title: Text
    dimensions: tuple[Dimension, ...]
    questions: tuple[Question, ...]
    access: Access = "open"  # open link, or one-time invitation codes


class PrivacyManifest(msgspec.Struct, frozen=True, kw_only=True):
    k: int = 5  # smallest group ever reported
    comment_threshold: int = 10  # free text only from units with at least this many answers
    segment_questions: tuple[str, ...] = ()  # single-choice questions results may be split by
    release_after_minutes: int = 360  # a pool bucket smaller than k waits at most this long


class UnitSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: str
    parent_id: str | None
    name: str
    kind: str
    headcount: int
    path: tuple[str, ...]  # from the survey's owner unit down to this unit


class SurveyDrafted(Event, frozen=True):
    survey_id: str
    owner_unit_id: str
    definition: Definition


class SurveyRevised(Event, frozen=True):
    survey_id: str
    definition: Definition


class SurveyPublished(Event, frozen=True):
    survey_id: str
    cycle: int
    version_digest: str
    definition: Definition
    manifest: PrivacyManifest
    units: tuple[UnitSnapshot, ...]
    published_at: datetime
    score_version: int = 1


class SurveyClosed(Event, frozen=True):
    survey_id: str
    cycle: int
    closed_at: datetime


class InvitationsIssued(Event, frozen=True):
    """Counts only: the codes themselves exist as keyed hashes in `survey_codes`."""

    survey_id: str
    cycle: int
    unit_id: str
    issue_id: str
    count: int


class ScoreDefinitionChanged(Event, frozen=True):
    """How scores are computed from now on; past cycles can be recomputed under it."""

    survey_id: str
    version: int
    likert_weights: dict[str, float]
    favourable_likert: tuple[str, ...]
    rating_favourable_min: int = 4
    recommend_favourable_min: int = 9
    changed_at: datetime | None = None


def stream(survey_id: str) -> str:
    return f"survey-{survey_id}"
