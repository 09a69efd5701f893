"""Request bodies of the surveys slice: strict msgspec Structs with size caps."""

from __future__ import annotations

from typing import Annotated

import msgspec

from events.surveys import Access, Definition, QuestionKind
from services.surveys.model import FIVE_GOODS

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Words = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=r"\S")]
MaybeWords = Annotated[str, msgspec.Meta(max_length=500)]


class TextIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    zh: Words
    en: MaybeWords = ""


class OptionIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: Id
    text: TextIn


class DimensionIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: Id
    text: TextIn


class QuestionIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: Id
    kind: QuestionKind
    text: TextIn
    dimension: Id | None = None
    required: bool = False
    options: Annotated[list[OptionIn], msgspec.Meta(max_length=50)] = []
    max_length: Annotated[int, msgspec.Meta(ge=1, le=5000)] = 500


class DefinitionIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: TextIn
    questions: Annotated[list[QuestionIn], msgspec.Meta(min_length=1, max_length=100)]
    dimensions: Annotated[list[DimensionIn], msgspec.Meta(max_length=20)] | None = None
    access: Access = "open"

    def to_definition(self) -> Definition:
        raw = msgspec.to_builtins(self)
        if self.dimensions is None:  # the seed's 五个好 unless the survey says otherwise
            raw["dimensions"] = msgspec.to_builtins(FIVE_GOODS)
        return msgspec.convert(raw, Definition)


class NewSurvey(DefinitionIn, frozen=True, forbid_unknown_fields=True, kw_only=True):
    owner_unit_id: Id


class ManifestIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    k: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 5
    comment_threshold: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 10
    segment_questions: Annotated[list[Id], msgspec.Meta(max_length=10)] = []
    release_after_minutes: Annotated[int, msgspec.Meta(ge=1, le=10_080)] = 360


class InvitationsIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    unit_id: Id
    count: Annotated[int, msgspec.Meta(ge=1, le=10_000)] | None = None


class ScoreDefinitionIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    likert_weights: dict[Id, float]
    favourable_likert: Annotated[list[Id], msgspec.Meta(max_length=3)]
    rating_favourable_min: int = 4
    recommend_favourable_min: int = 9
