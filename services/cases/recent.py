"""Cases (and callers) this process has just read or stepped, so the next read asks only for
what is new, or a step need not read at all (held.py).

A step still reads the case's stream on every request (the answer is always current), but
from the version held here on: the event at that version comes back too and must be the
same one (same era and position, so a restored or rebuilt store is noticed), else the whole
stream is read again. Steps on a case come in runs from one handler; decoding and folding
the whole stream for each was a tenth of a step's time. Written by hand: a bounded
least-recently-used map is a dozen lines, and the check that makes it safe is ours.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

if TYPE_CHECKING:
    from services.access.guards import Principal
    from services.access.sessions import Credentials
    from services.cases.handle import Loaded

SIZE = 2_000  # cases (or callers): a few MB at most
K = TypeVar("K")
V = TypeVar("V")


class Bounded(Generic[K, V]):
    """A map of at most `size` entries; the least recently used one goes first."""

    def __init__(self, size: int = SIZE) -> None:
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._size = size

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)


Paths = dict[str, list[str]]  # unit → its unit-tree path, as read with the case
MISS_PAUSE = timedelta(minutes=1)  # after a held step found its case changed elsewhere


class RecentCases:
    def __init__(self, size: int = SIZE) -> None:
        self._cases: Bounded[str, tuple[Loaded, Paths | None]] = Bounded(size)
        self._missed: Bounded[str, datetime] = Bounded(size)

    def missed(self, case_id: str, now: datetime) -> None:
        """A step decided from the held case found it changed (another replica stepped it,
        most likely): for a while, this process's steps on it read first. Behind a balancer
        that spreads one handler's steps over replicas, a held attempt would otherwise fail
        every time and cost a third round trip."""
        self._missed.put(case_id, now)

    def lately_missed(self, case_id: str, now: datetime) -> bool:
        at = self._missed.get(case_id)
        return at is not None and now - at < MISS_PAUSE

    def get(self, case_id: str) -> Loaded | None:
        held = self._cases.get(case_id)
        return None if held is None else held[0]

    def paths(self, case_id: str) -> Paths | None:
        """The unit paths read with the case, when held (a step decided from what is held
        checks them unchanged: held.py)."""
        held = self._cases.get(case_id)
        return None if held is None else held[1]

    def keep(self, case_id: str, loaded: Loaded, paths: Paths | None = None) -> None:
        """Remember `loaded` unless a later version is held already (steps may finish out
        of order; an older one would only cost reading more next time). `paths`: as just
        read with it; None keeps those held (a step does not move units)."""
        held = self._cases.get(case_id)
        if held is None or held[0].version <= loaded.version:
            kept = paths if paths is not None else (held[1] if held is not None else None)
            self._cases.put(case_id, (loaded, kept))

    def forget(self, case_id: str) -> None:
        self._cases.pop(case_id)


class HeldCaller(NamedTuple):
    """A caller as their account stood at its last event `last_event`."""

    principal: Principal
    last_event: uuid.UUID


class HeldCallers(Bounded[tuple[str, bytes], HeldCaller]):
    """The callers of recent steps, by their credentials' digest (caller_key). Nothing here
    is trusted on its own: a step decided from it appends only on the condition that the
    account's last event is still `last_event` (held.py)."""


def caller_key(credentials: Credentials, digest: bytes) -> tuple[str, bytes]:
    """`digest`: of the credentials' secret (sessions.account_arguments), never the secret."""
    return credentials.kind, digest
