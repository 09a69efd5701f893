"""The payload every benchmark appends: one small event, as a typical case event would be."""

from __future__ import annotations

from events.base import Event

PAYLOAD_NOTE = "职工反映食堂午餐排队时间过长，建议增加窗口。" * 2


class BenchHappened(Event, frozen=True):
    n: int
    note: str = PAYLOAD_NOTE
