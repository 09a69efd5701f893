"""Structured JSON logs that can be shipped anywhere: nothing in them identifies a person.

The code already avoids logging request details (no access log, problems.py logs only the
exception's type). This is the second line: every record, whoever wrote it (our code,
uvicorn, asyncpg, Litestar), passes `redact` after formatting, which replaces

* IP addresses (v4 and v6) — a respondent's address is personal data;
* receipt and invitation codes (groups of four letters/digits joined by dashes, or long
  runs of code alphabet characters) and bearer tokens;
* e-mail addresses and mainland mobile numbers (a named requester's contact);
* user-agent strings.

Anything redacted becomes `[redacted]`; the rule is deliberately greedy (a hex digest in a
log line is lost too), because a leaked code is worse than an opaque id.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

_PATTERNS = [
    re.compile(r"(?i)\bbearer\s+\S+"),
    # a user agent runs to the end of the line or the closing quote
    re.compile(r"(?i)\b(?:mozilla|curl|wget|python-requests|python-httpx|okhttp|dalvik)/[^\"'\n]*"),
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    re.compile(r"(?i)\b[0-9a-z]{4}(?:-[0-9a-z]{4}){2,}\b"),  # receipt / invitation codes
    re.compile(r"\b[0-9A-Za-z_-]{20,}\b"),  # tokens, unformatted codes, digests
    re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)"),  # mobile numbers
    re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"),  # IPv4
    # IPv6, full or compressed; three colons at least, so a clock time (07:44:32) stays.
    re.compile(r"(?i)(?<![\w:])(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}(?![\w:])"),
    re.compile(
        r"(?i)(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{1,4})*::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?(?![\w:])"
    ),
]
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
MARK = "[redacted]"


def redact(text: str) -> str:
    # Case and survey ids (UUIDs) are not personal and help operators: protect them first.
    ids: list[str] = []

    def keep(m: re.Match[str]) -> str:
        ids.append(m.group(0))
        return f"\x00{len(ids) - 1}\x00"

    text = _UUID.sub(keep, text)
    for pattern in _PATTERNS:
        text = pattern.sub(MARK, text)
    return re.sub(r"\x00(\d+)\x00", lambda m: ids[int(m.group(1))], text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (redacted), exception type."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if record.exc_info and record.exc_info[1] is not None:
            # The type and a redacted traceback: exception texts can quote request data.
            entry["exception"] = type(record.exc_info[1]).__name__
            entry["traceback"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO", fmt: str = "json") -> None:
    """Route every logger (uvicorn's included) through one redacting handler on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(_RedactingText("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "litestar"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # Never an access log: one line per request with the client's address and the time
    # would undo the mixing pool's unlinkability (the redaction is only the second line).
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []
    access.propagate = False
    access.disabled = True


class _RedactingText(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        clean = logging.makeLogRecord(record.__dict__)
        clean.msg, clean.args = redact(record.getMessage()), None
        if record.exc_info:
            clean.exc_info, clean.exc_text = None, redact(self.formatException(record.exc_info))
        return super().format(clean)


# uvicorn.run(log_config=...) would install its own handlers; this keeps ours.
UVICORN_LOG_CONFIG: dict[str, Any] = {"version": 1, "disable_existing_loggers": False}
