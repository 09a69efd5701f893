"""Web page fixtures: the API's app fixtures (real PostgreSQL and Redis), form helpers, and
for the browser tests a real uvicorn serving the app on a free loopback port."""

from __future__ import annotations

import re

from tests.api.conftest import app, client, clock, settings
from tests.support.access import world

__all__ = ["app", "client", "clock", "settings", "world"]

_FIELD = re.compile(r'name="(_csrf|_cmd|_version)" value="([^"]*)"')


def hidden(html: str) -> dict[str, str]:
    """The hidden _csrf / _cmd / _version fields of the first form on a page."""
    return dict(_FIELD.findall(html))
