"""What a survey definition may be: defaults (the seed's 五个好, the Likert scale), limits,
the check of a definition and the hash that freezes a published version."""

from __future__ import annotations

import hashlib

import msgspec

from events.surveys import Definition, Dimension, PrivacyManifest, Question, ScoreDefinitionChanged, Text
from services.problems import Problem

FIVE_GOODS = (
    Dimension(id="members", text=Text(zh="成员好", en="Good members")),
    Dimension(id="cadres", text=Text(zh="干部队伍好", en="Good cadres")),
    Dimension(id="mechanisms", text=Text(zh="工作机制好", en="Good working mechanisms")),
    Dimension(id="performance", text=Text(zh="工作业绩好", en="Good performance")),
    Dimension(id="feedback", text=Text(zh="群众反映好", en="Good feedback from the masses")),
)
LIKERT = {
    "satisfied": Text(zh="满意", en="Satisfied"),
    "basically_satisfied": Text(zh="基本满意", en="Basically satisfied"),
    "dissatisfied": Text(zh="不满意", en="Dissatisfied"),
    "unknown": Text(zh="不了解", en="Don't know"),  # excluded from every score
}
SCORED = frozenset({"likert", "rating5", "recommend10"})
MAX_QUESTIONS = 100
MAX_OPTIONS = 50
MAX_TEXT = 5000
MIN_K = 3


def default_score_definition(survey_id: str) -> ScoreDefinitionChanged:
    return ScoreDefinitionChanged(
        survey_id=survey_id,
        version=1,
        likert_weights={"satisfied": 100.0, "basically_satisfied": 60.0, "dissatisfied": 0.0},
        favourable_likert=("satisfied", "basically_satisfied"),
    )


class InvalidDefinition(Problem):
    status, slug, title = 422, "invalid-survey-definition", "The survey definition is not valid"


class InvalidManifest(Problem):
    status, slug, title = 422, "invalid-privacy-manifest", "The privacy manifest is not valid"


def check_definition(d: Definition) -> None:
    if not d.questions or len(d.questions) > MAX_QUESTIONS:
        raise InvalidDefinition(f"a survey has 1 to {MAX_QUESTIONS} questions")
    ids = [q.id for q in d.questions]
    if len(set(ids)) != len(ids):
        raise InvalidDefinition("question ids must be unique")
    dims = {x.id for x in d.dimensions}
    if len(dims) != len(d.dimensions):
        raise InvalidDefinition("dimension ids must be unique")
    for q in d.questions:
        _check_question(q, dims)


def _check_question(q: Question, dims: set[str]) -> None:
    if q.dimension is not None and q.dimension not in dims:
        raise InvalidDefinition(f"question {q.id}: unknown dimension {q.dimension!r}")
    choice = q.kind in ("single", "multiple")
    if choice != bool(q.options):
        raise InvalidDefinition(f"question {q.id}: options belong to (and only to) choice questions")
    option_ids = [o.id for o in q.options]
    if len(set(option_ids)) != len(option_ids) or len(option_ids) > MAX_OPTIONS:
        raise InvalidDefinition(f"question {q.id}: option ids must be unique, at most {MAX_OPTIONS}")
    if not 1 <= q.max_length <= MAX_TEXT:
        raise InvalidDefinition(f"question {q.id}: max_length is 1 to {MAX_TEXT}")


def check_manifest(m: PrivacyManifest, d: Definition, previous: PrivacyManifest | None) -> None:
    if m.k < MIN_K:
        raise InvalidManifest(f"k is never below {MIN_K}")
    if m.comment_threshold < m.k:
        raise InvalidManifest("the comment threshold is at least k")
    if previous is not None and (m.k < previous.k or m.comment_threshold < previous.comment_threshold):
        raise InvalidManifest("a published manifest can't be lowered in a later cycle")
    kinds = {q.id: q.kind for q in d.questions}
    for s in m.segment_questions:
        if kinds.get(s) != "single":
            raise InvalidManifest(f"segment {s!r} must be a single-choice question")
    if not 1 <= m.release_after_minutes <= 7 * 24 * 60:
        raise InvalidManifest("release_after_minutes is 1 minute to 7 days")


def version_digest(d: Definition, m: PrivacyManifest) -> str:
    """SHA-256 of the canonical encoding of what respondents see and are promised."""
    body = msgspec.json.encode({"definition": d, "manifest": m}, order="sorted")
    return hashlib.sha256(body).hexdigest()
