"""Cases this process has just read or stepped, so the next read asks only for what is new.

A step still reads the case's stream on every request (the answer is always current), but
from the version held here on: the event at that version comes back too and must be the
same one (same era and position, so a restored or rebuilt store is noticed), else the whole
stream is read again. Steps on a case come in runs from one handler; decoding and folding
the whole stream for each was a tenth of a step's time. Written by hand: a bounded
least-recently-used map is a dozen lines, and the check that makes it safe is ours.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.cases.handle import Loaded

SIZE = 2_000  # cases: a few MB at most


class RecentCases:
    def __init__(self, size: int = SIZE) -> None:
        self._cases: OrderedDict[str, Loaded] = OrderedDict()
        self._size = size

    def get(self, case_id: str) -> Loaded | None:
        loaded = self._cases.get(case_id)
        if loaded is not None:
            self._cases.move_to_end(case_id)
        return loaded

    def keep(self, case_id: str, loaded: Loaded) -> None:
        """Remember `loaded` unless a later version is held already (steps may finish out
        of order; an older one would only cost reading more next time)."""
        held = self._cases.get(case_id)
        if held is None or held.version <= loaded.version:
            self._cases[case_id] = loaded
            self._cases.move_to_end(case_id)
        while len(self._cases) > self._size:
            self._cases.popitem(last=False)

    def forget(self, case_id: str) -> None:
        self._cases.pop(case_id, None)
