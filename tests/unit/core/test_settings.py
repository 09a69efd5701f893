"""Settings come from the environment, typed and validated."""

from __future__ import annotations

import msgspec
import pytest

from services.settings import from_env

pytestmark = pytest.mark.unit


def test_settings_read_urls_and_prefixed_fields() -> None:
    s = from_env({"DATABASE_URL": "postgresql://x/y", "QS_PORT": "8123", "QS_RUN_PROJECTORS": "false"})
    assert (s.database_url, s.port, s.run_projectors) == ("postgresql://x/y", 8123, False)
    assert s.redis_url is None  # the embedded Redis will be started


def test_settings_reject_a_malformed_value() -> None:
    with pytest.raises(msgspec.ValidationError):
        from_env({"QS_PORT": "eighty"})
