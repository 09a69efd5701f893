"""Expected-version values for `append`: an exact version (0 = no stream yet) or one of these."""

from __future__ import annotations

from enum import IntEnum


class Expect(IntEnum):
    NO_STREAM = 0
    ANY = -1
    STREAM_EXISTS = -2


ExpectedVersion = int | Expect


def describe(expected: ExpectedVersion) -> int | str:
    if isinstance(expected, Expect) and expected is not Expect.NO_STREAM:
        return expected.name.lower()
    return int(expected)
