"""The only doubles allowed: a clock and an id generator. The database is always real."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta


class FixedClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


class SequentialIds:
    def __init__(self, namespace: str = "qs-test") -> None:
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, namespace + uuid.uuid4().hex)
        self.n = 0

    def new(self) -> uuid.UUID:
        self.n += 1
        return uuid.uuid5(self.namespace, str(self.n))
