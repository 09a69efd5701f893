"""Given/when/then on the survey decider: lifecycle, versions, manifests, invitations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from events.base import Event
from events.surveys import (
    Definition,
    InvitationsIssued,
    PrivacyManifest,
    Question,
    ScoreDefinitionChanged,
    SurveyClosed,
    SurveyDrafted,
    SurveyPublished,
    SurveyRevised,
    Text,
    UnitSnapshot,
)
from services.problems import Conflict, NotFound
from services.surveys.commands import (
    ChangeScoreDefinition,
    CloseSurvey,
    CreateSurvey,
    IssueInvitations,
    PublishSurvey,
    ReviseSurvey,
    SurveyCommand,
)
from services.surveys.decider import (
    BadInvitation,
    BadScoreDefinition,
    SurveyIsPublished,
    SurveyNotPublished,
    SurveyState,
    decide,
    fold,
)
from services.surveys.model import FIVE_GOODS, InvalidDefinition, InvalidManifest, version_digest

pytestmark = pytest.mark.unit
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Q = Question(id="q1", kind="likert", text=Text(zh="成员"), dimension="members", required=True)
SEG = Question(id="grp", kind="single", text=Text(zh="群体"), options=())
DEF = Definition(title=Text(zh="测评"), dimensions=FIVE_GOODS, questions=(Q,), access="code")
UNITS = (
    UnitSnapshot(unit_id="a", parent_id=None, name="学校", kind="school", headcount=40, path=("a",)),
    UnitSnapshot(
        unit_id="a1", parent_id="a", name="教务处", kind="department", headcount=12, path=("a", "a1")
    ),
)
DRAFTED = SurveyDrafted(survey_id="s", owner_unit_id="a", definition=DEF)


def given(*events: Event) -> SurveyState:
    return fold(list(events))


def when(command: SurveyCommand, state: SurveyState) -> list[Event]:
    return decide(command, state)


def published(k: int = 5, cycle: int = 1) -> SurveyPublished:
    m = PrivacyManifest(k=k)
    return SurveyPublished(
        survey_id="s",
        cycle=cycle,
        version_digest=version_digest(DEF, m),
        definition=DEF,
        manifest=m,
        units=UNITS,
        published_at=NOW,
    )


def publish(k: int = 5, threshold: int = 10) -> PublishSurvey:
    return PublishSurvey(
        survey_id="s", manifest=PrivacyManifest(k=k, comment_threshold=threshold), units=UNITS, now=NOW
    )


def test_create_survey_drafts_it_with_the_default_score_definition() -> None:
    events = when(CreateSurvey(survey_id="s", owner_unit_id="a", definition=DEF), given())
    assert events[0] == DRAFTED
    assert isinstance(events[1], ScoreDefinitionChanged) and events[1].version == 1
    assert events[1].likert_weights["satisfied"] == 100 and "unknown" not in events[1].likert_weights


def test_create_survey_twice_conflicts() -> None:
    with pytest.raises(Conflict):
        when(CreateSurvey(survey_id="s", owner_unit_id="a", definition=DEF), given(DRAFTED))


def test_create_survey_with_duplicate_question_ids_is_invalid() -> None:
    bad = Definition(title=Text(zh="x"), dimensions=FIVE_GOODS, questions=(Q, Q))
    with pytest.raises(InvalidDefinition):
        when(CreateSurvey(survey_id="s", owner_unit_id="a", definition=bad), given())


def test_create_survey_with_choice_question_without_options_is_invalid() -> None:
    bad = Definition(title=Text(zh="x"), dimensions=FIVE_GOODS, questions=(SEG,))
    with pytest.raises(InvalidDefinition):
        when(CreateSurvey(survey_id="s", owner_unit_id="a", definition=bad), given())


def test_create_survey_with_unknown_dimension_is_invalid() -> None:
    q = Question(id="q", kind="rating5", text=Text(zh="x"), dimension="nowhere")
    with pytest.raises(InvalidDefinition):
        when(
            CreateSurvey(
                survey_id="s",
                owner_unit_id="a",
                definition=Definition(title=Text(zh="x"), dimensions=FIVE_GOODS, questions=(q,)),
            ),
            given(),
        )


def test_publish_draft_freezes_the_version_with_its_digest_and_snapshot() -> None:
    [e] = when(publish(), given(DRAFTED))
    assert isinstance(e, SurveyPublished) and e.cycle == 1 and e.units == UNITS
    assert e.version_digest == version_digest(DEF, PrivacyManifest(k=5, comment_threshold=10))


def test_revise_published_survey_is_refused() -> None:
    with pytest.raises(SurveyIsPublished):
        when(ReviseSurvey(survey_id="s", definition=DEF), given(DRAFTED, published()))


def test_revise_closed_survey_before_next_cycle_is_allowed() -> None:
    closed = given(DRAFTED, published(), SurveyClosed(survey_id="s", cycle=1, closed_at=NOW))
    assert when(ReviseSurvey(survey_id="s", definition=DEF), closed) == [
        SurveyRevised(survey_id="s", definition=DEF)
    ]


def test_publish_after_close_starts_the_next_cycle() -> None:
    closed = given(DRAFTED, published(), SurveyClosed(survey_id="s", cycle=1, closed_at=NOW))
    [e] = when(publish(), closed)
    assert isinstance(e, SurveyPublished) and e.cycle == 2


def test_publish_with_k_below_three_is_invalid() -> None:
    with pytest.raises(InvalidManifest):
        when(publish(k=2, threshold=10), given(DRAFTED))


def test_publish_next_cycle_with_lower_k_is_refused() -> None:
    closed = given(DRAFTED, published(k=7), SurveyClosed(survey_id="s", cycle=1, closed_at=NOW))
    with pytest.raises(InvalidManifest):
        when(publish(k=5), closed)


def test_publish_with_segment_that_is_not_single_choice_is_invalid() -> None:
    cmd = PublishSurvey(
        survey_id="s", manifest=PrivacyManifest(segment_questions=("q1",)), units=UNITS, now=NOW
    )
    with pytest.raises(InvalidManifest):
        when(cmd, given(DRAFTED))


def test_publish_twice_without_close_is_refused() -> None:
    with pytest.raises(SurveyIsPublished):
        when(publish(), given(DRAFTED, published()))


def test_close_draft_is_refused() -> None:
    with pytest.raises(SurveyNotPublished):
        when(CloseSurvey(survey_id="s", now=NOW), given(DRAFTED))


def test_close_unknown_survey_is_not_found() -> None:
    with pytest.raises(NotFound):
        when(CloseSurvey(survey_id="s", now=NOW), given())


def test_issue_invitations_defaults_to_the_units_headcount() -> None:
    [e] = when(
        IssueInvitations(survey_id="s", unit_id="a1", issue_id="i", count=None), given(DRAFTED, published())
    )
    assert e == InvitationsIssued(survey_id="s", cycle=1, unit_id="a1", issue_id="i", count=12)


def test_issue_invitations_for_unit_outside_the_snapshot_is_refused() -> None:
    with pytest.raises(BadInvitation):
        when(
            IssueInvitations(survey_id="s", unit_id="zz", issue_id="i", count=3), given(DRAFTED, published())
        )


def test_issue_invitations_after_close_is_refused() -> None:
    closed = given(DRAFTED, published(), SurveyClosed(survey_id="s", cycle=1, closed_at=NOW))
    with pytest.raises(SurveyNotPublished):
        when(IssueInvitations(survey_id="s", unit_id="a1", issue_id="i", count=3), closed)


def _score(**weights: float) -> ChangeScoreDefinition:
    return ChangeScoreDefinition(
        survey_id="s",
        likert_weights=weights,
        favourable_likert=("satisfied",),
        rating_favourable_min=4,
        recommend_favourable_min=9,
        now=NOW,
    )


def test_change_score_definition_bumps_the_version() -> None:
    state = given(DRAFTED, *when(CreateSurvey(survey_id="s", owner_unit_id="a", definition=DEF), given())[1:])
    [e] = when(_score(satisfied=100, basically_satisfied=80, dissatisfied=0), state)
    assert isinstance(e, ScoreDefinitionChanged) and e.version == 2


def test_change_score_definition_that_scores_unknown_is_refused() -> None:
    with pytest.raises(BadScoreDefinition):
        when(_score(satisfied=100, basically_satisfied=50, dissatisfied=0, unknown=50), given(DRAFTED))
