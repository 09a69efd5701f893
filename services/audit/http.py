"""GET /api/v1/audit?unit=…: every staff action in a unit's subtree, for its admins."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import Parameter

from services.access.guards import Principal
from services.access.scope import require_unit
from services.audit.queries import AuditEntry, audit_trail


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ("audit",)

    @get("/", operation_id="audit_trail", opt={"role": "admin"})
    async def audit(
        self,
        state: State,
        principal: NamedDependency[Principal],
        unit: Annotated[str, Parameter(max_length=64)],
        before: Annotated[int | None, Parameter(ge=1)] = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> list[AuditEntry]:
        """Actions with their actor, newest first; page with `before` (a position)."""
        await require_unit(state.resources.pool, principal, unit, "admin")
        return await audit_trail(state.resources.pool, unit, before, limit)
