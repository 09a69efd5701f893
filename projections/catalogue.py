"""Every projector the service runs, in one list (each slice adds its own here)."""

from __future__ import annotations

from projections.account_directory import AccountDirectory
from projections.audit_trail import AuditTrail
from projections.projector import Projector
from projections.unit_tree import UnitTree


def all_projectors() -> list[Projector]:
    return [UnitTree(), AccountDirectory(), AuditTrail()]
