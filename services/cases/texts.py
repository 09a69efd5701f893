"""Free text from requesters and handlers: caps, and the characters that only deceive.

Bidirectional override and embedding controls can make a text read differently from what
it is (an RTL override turning "txt.exe" into "exe.txt"): they are refused. A text that is
empty once zero-width characters and spaces are taken out is refused too. Everything else,
`<script>` included, is kept as written and escaped wherever it is shown.
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec
from litestar.exceptions import ValidationException

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\\s]")


def checked(text: str, field: str = "text") -> str:
    if _BIDI.search(text):
        raise ValidationException(f"{field} contains bidirectional control characters")
    if not _INVISIBLE.sub("", text):
        raise ValidationException(f"{field} is empty")
    return text
