"""The keyed hashes the surveys slice stores: they must not change from one release to the
next, or every stored code hash and submission hash would stop matching."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from services.surveys import keys

pytestmark = pytest.mark.unit


def test_stored_hashes_are_plain_hmac_sha256_of_the_joined_parts() -> None:
    secret = b"a-service-secret"
    expected = hmac.digest(secret, b"code-hash|ABCDEFGHJKMNPQRS", hashlib.sha256)
    assert keys.code_hash(secret, "abcd-efgh-jkmn-pqrs") == expected
    assert keys.code_hash(secret, "ABCD EFGH JKMN PQRS") == expected  # as typed from the sheet
    sid = hmac.digest(secret, b"submission|s-1|retry-me-1", hashlib.sha256)
    assert keys.submission_hash(secret, "s-1", "retry-me-1") == sid
    assert keys.submission_hash(b"another-secret", "s-1", "retry-me-1") != sid
