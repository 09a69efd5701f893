"""What every command handler shares: command ids, expected versions, strict bodies, replay.

Event ids derive from the command id (`events.base.pending`), so "was this command already
carried out?" is one lookup of its first event id. A retried create then answers like the
first attempt instead of "already exists".
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from litestar.exceptions import HTTPException, InternalServerException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from events.base import Checkpoint
from events.store.append import StreamOrderConflict
from events.store.db import Queryable
from projections.runner import wait_for
from services.problems import Unavailable

T = TypeVar("T")


MAX_EVENTS_PER_COMMAND = 16


class Outcome(msgspec.Struct, frozen=True):
    """Where a command left its stream: the last event's global position and stream version.

    `position` is None when the command changed nothing (the decider returned no events).
    """

    position: int | None
    version: int
    checkpoint: Checkpoint | None = None  # order key of the last event, when just appended
    last_event_id: uuid.UUID | None = None  # the last event's id, when just appended


async def replayed(conn: Queryable, command_id: uuid.UUID) -> Outcome | None:
    row = await conn.fetchrow(
        """SELECT max(position) AS position, max(stream_version) AS version FROM events
            WHERE event_id = ANY($1)""",
        [uuid.uuid5(command_id, str(i)) for i in range(MAX_EVENTS_PER_COMMAND)],
    )
    if row is None or row["position"] is None:
        return None
    return Outcome(row["position"], row["version"])


def command_id_from(headers: Any, ids: Any) -> uuid.UUID:
    """The client's `Idempotency-Key` (a UUID) when it sends one, else a fresh id."""
    key = headers.get("idempotency-key")
    if key:
        try:
            return uuid.UUID(key)
        except ValueError:
            raise ValidationException("Idempotency-Key must be a UUID") from None
    return ids.new()  # type: ignore[no-any-return]


def expected_from(headers: Any) -> int | None:
    """The stream version the client last saw, from `If-Match: "3"` (an ETag we sent)."""
    raw = headers.get("if-match")
    if not raw:
        return None
    try:
        return int(raw.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise ValidationException("If-Match must be an ETag this service sent") from None


def raw_header(scope: Any, name: bytes) -> str | None:
    """One request header read straight from the ASGI scope (names arrive lower-case).

    For the checks every write makes: building Litestar's Headers object for them cost
    more than the checks themselves on the intake path. (`name` is lower-case; servers
    send lower-case names, a test client might not.)"""
    found: dict[bytes, bytes] | None = scope.get(_BY_NAME)
    if found is None:  # once per request: a step asks for eight headers, most of them absent
        found = scope[_BY_NAME] = {key.lower(): value for key, value in reversed(scope["headers"])}
    value = found.get(name)
    return None if value is None else value.decode("latin-1")


_BY_NAME = "qs.headers_by_name"  # the request's headers by lower-case name (the first of repeats)


class RawHeaders:
    """`.get(name)` on the scope's raw headers, for functions that take a headers mapping
    (command_id_from, expected_from) on a hot route: cheaper than Litestar's Headers."""

    def __init__(self, scope: Any) -> None:
        self.scope = scope

    def get(self, name: str) -> str | None:
        return raw_header(self.scope, name.encode())


async def read_body(request: Any) -> bytes:
    """The request body straight from `receive`, with Litestar's limits and answers (413
    beyond the route's request_max_body_size, announced or streamed).

    Written by hand because Litestar's Request.body builds the whole Headers object only to
    read Content-Length: measured at a twentieth of a case step."""
    scope = request.scope
    kept = ScopeState.from_scope(scope)  # where Litestar keeps a body it has read (a `data` parameter)
    if kept.body is not Empty:
        return kept.body
    failed = scope.get(_BODY_FAILED)
    if failed is not None:  # read in part already: what `receive` gives now is only the rest
        raise failed
    limit = scope["route_handler"].resolve_request_max_body_size() or math.inf
    try:
        kept.body = await receive_body(scope, request.receive, limit)  # for anything reading it after us
    except HTTPException as exc:  # too large, or the client went away: the same again if asked again
        scope[_BODY_FAILED] = exc
        raise
    return kept.body


_BODY_FAILED = "qs.body_failed"


async def receive_body(scope: Any, receive: Any, limit: float) -> bytes:
    """The body of a request from its ASGI `receive`: 413 beyond `limit` bytes, announced
    (Content-Length) or streamed; a client gone before the end is an error, not a body."""
    announced = raw_header(scope, b"content-length")
    if announced is not None and announced.isdigit() and int(announced) > limit:
        raise RequestEntityTooLarge
    chunks, size = [], 0
    while True:
        event = await receive()
        if event["type"] == "http.disconnect":
            raise InternalServerException("client disconnected prematurely")
        body = event.get("body", b"")
        size += len(body)
        if size > limit:
            raise RequestEntityTooLarge
        chunks.append(body)
        if not event.get("more_body", False):
            return b"".join(chunks)


async def strict_body(request: Any, shape: type[T]) -> T:
    """Decode a JSON body strictly: no coercion ("1" is not 1), no unknown fields.

    Handlers still declare `data: T` so the OpenAPI document shows the body, but Litestar
    converts that parameter with strict=False; the raw body is decoded again here, strictly.
    """
    json_only(request.scope)
    return decode_strict(await read_body(request), shape)


def json_only(scope: Any) -> None:
    """Only `application/json` is read: a cross-site HTML form cannot send that type without
    the browser asking first (CORS), so no page elsewhere can post a JSON body here."""
    media = (raw_header(scope, b"content-type") or "").split(";")[0].strip().lower()
    if media != "application/json":
        raise HTTPException(status_code=415, detail="send application/json")


def decode_strict(raw: bytes, shape: type[T]) -> T:
    try:
        return msgspec.json.decode(raw, type=shape, strict=True)
    except msgspec.ValidationError as exc:
        raise ValidationException(str(exc)) from None
    except msgspec.DecodeError:
        raise ValidationException("the body is not valid JSON") from None


async def retry_order_conflicts(attempt: Callable[[], Awaitable[T]], tries: int = 10) -> T:
    """Run a whole read-decide-append transaction again after a StreamOrderConflict.

    The store retries its own appends; a handler appending inside its own transaction
    (with a credential row or under the tree lock) must retry the transaction itself.
    """
    for n in range(tries):
        try:
            return await attempt()
        except StreamOrderConflict:
            if n == tries - 1:
                raise
    raise AssertionError("unreachable")


READ_YOUR_WRITES_SECONDS = 15.0


async def caught_up(pool: Any, names: list[str], position: int | None) -> None:
    """Read-your-writes: wait until the named projections show the command's events.

    The write is stored either way; if the projections lag beyond the limit (a runner down
    or swamped) the answer is 503 with Retry-After, never a view that omits the change: the
    client retries with the same Idempotency-Key and gets the same result, now visible.
    """
    if position is not None and not await wait_for(pool, names, position, READ_YOUR_WRITES_SECONDS):
        raise Unavailable("the change is stored; its read model is catching up, retry shortly")
