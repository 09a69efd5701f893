"""Every projector the service runs, in one list (each slice adds its own here)."""

from __future__ import annotations

from projections.account_directory import AccountDirectory
from projections.audit_trail import AuditTrail
from projections.case_timeline import CaseTimeline
from projections.open_issue_queue import OpenIssueQueue
from projections.projector import Projector
from projections.resolution_rates import ResolutionRates
from projections.unit_tree import UnitTree


def all_projectors() -> list[Projector]:
    return [UnitTree(), AccountDirectory(), AuditTrail(), CaseTimeline(), OpenIssueQueue(), ResolutionRates()]
