"""Every projector the service runs, in one list (each slice adds its own here)."""

from __future__ import annotations

from projections.account_directory import AccountDirectory
from projections.audit_trail import AuditTrail
from projections.ballot_accounting import BallotAccounting
from projections.case_notifications import CaseNotifications
from projections.case_timeline import CaseTimeline
from projections.open_issue_queue import OpenIssueQueue
from projections.projector import Projector
from projections.resolution_rates import ResolutionRates
from projections.satisfaction_by_unit import SatisfactionByUnit
from projections.survey_catalogue import SurveyCatalogue
from projections.survey_free_text import SurveyFreeText
from projections.unit_tree import UnitTree


def all_projectors() -> list[Projector]:
    return [
        UnitTree(),
        AccountDirectory(),
        AuditTrail(),
        CaseTimeline(),
        OpenIssueQueue(),
        ResolutionRates(),
        CaseNotifications(),
        SurveyCatalogue(),
        SatisfactionByUnit(),
        SurveyFreeText(),
        BallotAccounting(),
    ]
