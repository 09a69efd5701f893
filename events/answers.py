"""Answer events: stream `answers-{survey_id}`, written only by the mixing pool's release.

An answer carries what the respondent said, the unit it counts for, the cycle and the time
of the batch release: never an account, code, address, device or arrival time. Answers of
one release are appended in shuffled order in one transaction, so positions, transaction
ids and physical row order all say nothing about who came first.
"""

from __future__ import annotations

from datetime import datetime

from events.base import Event

Value = str | int | list[str]


class AnswerRecorded(Event, frozen=True):
    survey_id: str
    cycle: int
    unit_id: str
    answer_id: str  # random, drawn at release
    values: dict[str, Value]  # question id -> option id / number / option ids / text
    released_at: datetime


def stream(survey_id: str) -> str:
    return f"answers-{survey_id}"
