"""Form posts, decoded strictly: known fields only, sizes capped, types checked.

Signed-in forms carry the session's CSRF token (checked by the access guard). Forms for
people without an account carry a token too, derived from the service secret and the day:
it proves the form came from one of our pages without setting a cookie on a respondent
(a cookie would be a way to recognise them again). Cross-site posts are also refused by
the guard's Origin check.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta
from typing import Any, TypeVar

import msgspec
from litestar import Request

from services.access.guards import CSRF_FIELD
from services.access.keys import service_secret
from services.problems import Problem

T = TypeVar("T")
CMD_FIELD = "_cmd"  # a UUID drawn when the form was shown: a resubmitted form acts once
MAX_FIELDS = 200


class BadForm(Problem):
    status, slug, title = 422, "bad-form", "The form is not valid"


class StaleForm(Problem):
    status, slug, title = 403, "stale-form", "The form has expired; reload the page and try again"


def anonymous_token(secret: bytes, now: datetime, days_back: int = 0) -> str:
    day = (now - timedelta(days=days_back)).strftime("%Y-%m-%d")
    return hmac.new(secret, f"anon-form|{day}".encode(), hashlib.sha256).hexdigest()[:32]


def anonymous_ok(secret: bytes, now: datetime, offered: str) -> bool:
    return any(hmac.compare_digest(anonymous_token(secret, now, d), offered) for d in (0, 1))


async def raw_form(request: Request[Any, Any, Any]) -> dict[str, list[str]]:
    """Every field as a list of strings; files are refused."""
    form = await request.form()
    out: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str):
            raise BadForm("files are not accepted here")
        out.setdefault(key, []).append(value)
    if len(out) > MAX_FIELDS:
        raise BadForm("too many fields")
    return out


def decode(raw: dict[str, list[str]], shape: type[T], lists: tuple[str, ...] = ()) -> T:
    """Convert to `shape` (a forbid_unknown_fields Struct); '5' may become 5, nothing looser."""
    fields = {k: (v if k in lists else v[-1]) for k, v in raw.items() if k not in (CSRF_FIELD, CMD_FIELD)}
    fields = {k: v for k, v in fields.items() if v != ""}
    try:
        return msgspec.convert(fields, shape, strict=False)
    except msgspec.ValidationError as exc:
        raise BadForm(str(exc)) from None


async def public_form(
    request: Request[Any, Any, Any], shape: type[T], lists: tuple[str, ...] = ()
) -> tuple[T, uuid.UUID]:
    """A form from a visitor without an account: token checked, then decoded."""
    raw = await raw_form(request)
    secret = await service_secret(request.app.state)
    if not anonymous_ok(secret, request.app.state.clock.now(), (raw.get(CSRF_FIELD) or [""])[-1]):
        raise StaleForm()
    return decode(raw, shape, lists), command_id(raw)


async def staff_form(
    request: Request[Any, Any, Any], shape: type[T], lists: tuple[str, ...] = ()
) -> tuple[T, uuid.UUID]:
    """A signed-in form: the guard has already checked its CSRF token."""
    raw = await raw_form(request)
    return decode(raw, shape, lists), command_id(raw)


def command_id(raw: dict[str, list[str]]) -> uuid.UUID:
    try:
        return uuid.UUID((raw.get(CMD_FIELD) or [""])[-1])
    except ValueError:
        return uuid.uuid4()
