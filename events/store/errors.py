"""Typed errors of the event store. The web layer maps each to one problem+json `type`."""

from __future__ import annotations


class StoreError(Exception):
    pass


class WrongExpectedVersion(StoreError):
    """The stream is not at the version the caller decided against. Nothing was stored."""

    def __init__(self, stream_id: str, expected: int | str, actual: int | None) -> None:
        shown = "unknown (lost a race in the caller's transaction)" if actual is None else actual
        super().__init__(f"stream {stream_id}: expected version {expected}, actual {shown}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class EventIdReused(StoreError):
    """An event id already stored is being appended again with other content."""


class EventTooLarge(StoreError):
    def __init__(self, type_name: str, size: int, limit: int) -> None:
        super().__init__(f"{type_name} event is {size} bytes; the limit is {limit}")
        self.size = size
        self.limit = limit
