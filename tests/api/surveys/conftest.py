"""Survey journeys decide when the mixing pool is released: the background release waits
until a test turns it on (app.state.survey_release_seconds), so counts can be asserted."""

from __future__ import annotations

import pytest
from litestar import Litestar


@pytest.fixture
def app(app: Litestar) -> Litestar:
    app.state.survey_release_seconds = 0
    return app
