"""read_body: a request body read straight from ASGI `receive`, with Litestar's limits."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from litestar.exceptions import InternalServerException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge

from services.commanding import read_body

pytestmark = pytest.mark.unit


def request(messages: list[dict[str, Any]], *, limit: int = 10, length: str | None = None) -> Any:
    """What the server hands the app: a scope (with the matched route's limit) and `receive`."""
    feed: Iterator[dict[str, Any]] = iter(messages)
    handler = SimpleNamespace(resolve_request_max_body_size=lambda: limit)
    headers = [] if length is None else [(b"content-length", length.encode())]

    async def receive() -> dict[str, Any]:
        return next(feed)

    return SimpleNamespace(scope={"route_handler": handler, "headers": headers, "state": {}}, receive=receive)


def part(body: bytes, more: bool) -> dict[str, Any]:
    return {"type": "http.request", "body": body, "more_body": more}


async def test_a_body_in_several_parts_is_joined() -> None:
    assert await read_body(request([part(b"ab", True), part(b"", True), part(b"cd", False)])) == b"abcd"
    assert await read_body(request([{"type": "http.request"}])) == b""


async def test_an_announced_or_streamed_body_over_the_limit_is_413_before_it_is_all_read() -> None:
    with pytest.raises(RequestEntityTooLarge):
        await read_body(request([], length="11"))  # nothing is read at all
    with pytest.raises(RequestEntityTooLarge):  # no length announced: counted as it comes
        await read_body(request([part(b"123456", True), part(b"78901", True)]))
    assert await read_body(request([part(b"1234567890", False)], length="10")) == b"1234567890"


async def test_a_client_gone_mid_body_is_not_taken_for_an_empty_body() -> None:
    with pytest.raises(InternalServerException):
        await read_body(request([part(b"12", True), {"type": "http.disconnect"}]))


async def test_a_body_litestar_read_already_is_not_read_again() -> None:
    first = request([part(b"{}", False)])
    assert await read_body(first) == b"{}"
    assert await read_body(first) == b"{}"  # `receive` is not called again (it would raise here)


async def test_a_body_refused_part_way_is_refused_again_not_read_from_where_it_stopped() -> None:
    """A step tried one way and then the other (services/cases/held.py) asks twice: the
    second answer must not be the body's tail."""
    oversized = request([part(b"123456", True), part(b"78901", True), part(b"{}", False)])
    for _ in range(2):
        with pytest.raises(RequestEntityTooLarge):
            await read_body(oversized)
    gone = request([part(b"12", True), {"type": "http.disconnect"}, part(b"{}", False)])
    for _ in range(2):
        with pytest.raises(InternalServerException):
            await read_body(gone)
