"""Survey commands: what an admin asks for. Shapes are checked in http.py and model.py."""

from __future__ import annotations

from datetime import datetime

import msgspec

from events.surveys import Definition, PrivacyManifest, UnitSnapshot


class CreateSurvey(msgspec.Struct, frozen=True, kw_only=True):
    survey_id: str
    owner_unit_id: str
    definition: Definition


class ReviseSurvey(msgspec.Struct, frozen=True, kw_only=True):
    survey_id: str
    definition: Definition


class PublishSurvey(msgspec.Struct, frozen=True, kw_only=True):
    survey_id: str
    manifest: PrivacyManifest
    units: tuple[UnitSnapshot, ...]  # the owner's subtree as it is now (read by handle.py)
    now: datetime


class CloseSurvey(msgspec.Struct, frozen=True, kw_only=True):
    survey_id: str
    now: datetime


class IssueInvitations(msgspec.Struct, frozen=True, kw_only=True):
    survey_id: str
    unit_id: str
    issue_id: str
    count: int | None  # None: as many as the unit's headcount in the cycle's snapshot


class ChangeScoreDefinition(msgspec.Struct, frozen=True, kw_only=True):
    survey_id: str
    likert_weights: dict[str, float]
    favourable_likert: tuple[str, ...]
    rating_favourable_min: int
    recommend_favourable_min: int
    now: datetime


SurveyCommand = (
    CreateSurvey | ReviseSurvey | PublishSurvey | CloseSurvey | IssueInvitations | ChangeScoreDefinition
)
