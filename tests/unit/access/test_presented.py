"""What a caller presented, read from the raw ASGI scope (no Request is built for it)."""

from __future__ import annotations

from typing import Any

import pytest

from services.access.guards import presented
from services.access.sessions import Credentials

pytestmark = pytest.mark.unit


def scope(*headers: tuple[bytes, bytes]) -> dict[str, Any]:
    return {"type": "http", "headers": list(headers)}


def test_the_session_cookie_is_found_among_others_and_across_cookie_headers() -> None:
    assert presented(scope((b"cookie", b"lang=zh; qs_session=abc-_1"))) == Credentials("session", "abc-_1")
    split = scope((b"cookie", b"lang=zh"), (b"cookie", b"theme=dark;qs_session=xyz"))
    assert presented(split) == Credentials("session", "xyz")
    assert presented(scope((b"cookie", b"qs_session_old=1; xqs_session=2"))) is None
    assert presented(scope((b"cookie", b"qs_session="))) is None


def test_a_bearer_token_wins_and_a_malformed_authorization_counts_as_nothing() -> None:
    both = scope((b"authorization", b"Bearer qs_tok"), (b"cookie", b"qs_session=abc"))
    assert presented(both) == Credentials("token", "qs_tok")
    assert presented(scope((b"authorization", b"Basic dXNlcg=="), (b"cookie", b"qs_session=abc"))) is None
    assert presented(scope((b"authorization", b"Bearer   "))) is None
    assert presented(scope()) is None
