"""Pure decisions for a survey: decide(command, state) -> events; evolve(state, event).

Lifecycle: draft (editable) → published (cycle n, frozen) → closed → published (cycle n+1)
… A closed survey may be revised before its next cycle; a published one never changes.
"""

from __future__ import annotations

from typing import Literal, assert_never

import msgspec

from events.base import Event
from events.surveys import (
    Definition,
    InvitationsIssued,
    PrivacyManifest,
    ScoreDefinitionChanged,
    SurveyClosed,
    SurveyDrafted,
    SurveyPublished,
    SurveyRevised,
    UnitSnapshot,
)
from services.problems import Conflict, NotFound, Problem
from services.surveys.commands import (
    ChangeScoreDefinition,
    CloseSurvey,
    CreateSurvey,
    IssueInvitations,
    PublishSurvey,
    ReviseSurvey,
    SurveyCommand,
)
from services.surveys.model import (
    LIKERT,
    check_definition,
    check_manifest,
    default_score_definition,
    version_digest,
)

Status = Literal["none", "draft", "published", "closed"]
MAX_CODES_PER_ISSUE = 10_000


class SurveyState(msgspec.Struct, frozen=True, kw_only=True):
    status: Status = "none"
    survey_id: str = ""
    owner_unit_id: str = ""
    definition: Definition | None = None
    cycle: int = 0
    manifest: PrivacyManifest | None = None  # of the latest publication
    units: tuple[UnitSnapshot, ...] = ()  # snapshot of the latest publication
    score_version: int = 0


INITIAL = SurveyState()


class SurveyNotPublished(Problem):
    status, slug, title = 409, "survey-not-published", "The survey is not open for answers"


class SurveyIsPublished(Problem):
    status, slug, title = 409, "survey-published", "A published version never changes; close it first"


class BadInvitation(Problem):
    status, slug, title = 422, "invalid-invitation-request", "Invitations can't be issued like this"


class BadScoreDefinition(Problem):
    status, slug, title = 422, "invalid-score-definition", "The score definition is not valid"


def evolve(state: SurveyState, event: Event) -> SurveyState:
    match event:
        case SurveyDrafted():
            return SurveyState(
                status="draft",
                survey_id=event.survey_id,
                owner_unit_id=event.owner_unit_id,
                definition=event.definition,
            )
        case SurveyRevised():
            return msgspec.structs.replace(state, definition=event.definition)
        case SurveyPublished():
            return msgspec.structs.replace(
                state,
                status="published",
                cycle=event.cycle,
                manifest=event.manifest,
                units=event.units,
                definition=event.definition,
            )
        case SurveyClosed():
            return msgspec.structs.replace(state, status="closed")
        case ScoreDefinitionChanged():
            return msgspec.structs.replace(state, score_version=event.version)
    return state


def decide(command: SurveyCommand, state: SurveyState) -> list[Event]:
    match command:
        case CreateSurvey():
            if state.status != "none":
                raise Conflict("a survey with this id already exists")
            check_definition(command.definition)
            # The default way of scoring is itself an event, so a later change is visible.
            return [
                SurveyDrafted(**msgspec.structs.asdict(command)),
                default_score_definition(command.survey_id),
            ]
        case ReviseSurvey():
            _exists(state)
            if state.status == "published":
                raise SurveyIsPublished()
            check_definition(command.definition)
            return [SurveyRevised(survey_id=state.survey_id, definition=command.definition)]
        case PublishSurvey():
            return _publish(command, state)
        case CloseSurvey():
            _published(state)
            return [SurveyClosed(survey_id=state.survey_id, cycle=state.cycle, closed_at=command.now)]
        case IssueInvitations():
            return _issue(command, state)
        case ChangeScoreDefinition():
            return _score(command, state)
        case _:
            assert_never(command)


def _exists(state: SurveyState) -> Definition:
    if state.status == "none" or state.definition is None:
        raise NotFound()
    return state.definition


def _published(state: SurveyState) -> None:
    _exists(state)
    if state.status != "published":
        raise SurveyNotPublished()


def _publish(command: PublishSurvey, state: SurveyState) -> list[Event]:
    definition = _exists(state)
    if state.status == "published":
        raise SurveyIsPublished("already published: close this cycle before the next")
    check_manifest(command.manifest, definition, state.manifest)
    if not command.units:
        raise BadInvitation("the owner unit is not in the unit tree")
    return [
        SurveyPublished(
            survey_id=state.survey_id,
            cycle=state.cycle + 1,
            version_digest=version_digest(definition, command.manifest),
            definition=definition,
            manifest=command.manifest,
            units=command.units,
            published_at=command.now,
            score_version=state.score_version,
        )
    ]


def _issue(command: IssueInvitations, state: SurveyState) -> list[Event]:
    _published(state)
    assert state.definition is not None
    if state.definition.access != "code":
        raise BadInvitation("this survey is answered through its open link")
    unit = next((u for u in state.units if u.unit_id == command.unit_id), None)
    if unit is None:
        raise BadInvitation("the unit is not part of this survey's cycle")
    count = unit.headcount if command.count is None else command.count
    if not 1 <= count <= MAX_CODES_PER_ISSUE:
        raise BadInvitation(f"issue 1 to {MAX_CODES_PER_ISSUE} codes at a time (headcount {unit.headcount})")
    return [
        InvitationsIssued(
            survey_id=state.survey_id,
            cycle=state.cycle,
            unit_id=command.unit_id,
            issue_id=command.issue_id,
            count=count,
        )
    ]


def _score(command: ChangeScoreDefinition, state: SurveyState) -> list[Event]:
    _exists(state)
    scale = set(LIKERT) - {"unknown"}
    if set(command.likert_weights) != scale or not set(command.favourable_likert) <= scale:
        raise BadScoreDefinition(f"weights for exactly {sorted(scale)}; 不了解 is never scored")
    if any(not 0 <= w <= 100 for w in command.likert_weights.values()):
        raise BadScoreDefinition("weights are on the 0–100 scale")
    if not (1 <= command.rating_favourable_min <= 5 and 0 <= command.recommend_favourable_min <= 10):
        raise BadScoreDefinition("favourable cut-offs must lie on their scales")
    return [
        ScoreDefinitionChanged(
            survey_id=state.survey_id,
            version=state.score_version + 1,
            likert_weights=command.likert_weights,
            favourable_likert=command.favourable_likert,
            rating_favourable_min=command.rating_favourable_min,
            recommend_favourable_min=command.recommend_favourable_min,
            changed_at=command.now,
        )
    ]


def fold(events: list[Event], state: SurveyState = INITIAL) -> SurveyState:
    for e in events:
        state = evolve(state, e)
    return state
