"""With Redis down the dashboard still answers (figures come from PostgreSQL); only the live
stream says it is unavailable, and the page then asks for a reload."""

from __future__ import annotations

import pytest

from services.settings import Settings
from tests.support.access import World
from tests.web.test_staff_pages import HTML
from tests.web.test_staff_work_pages import sign_in_by_form

pytestmark = pytest.mark.api


@pytest.fixture
def settings(settings: Settings) -> Settings:
    import msgspec

    return msgspec.structs.replace(settings, redis_url="redis://127.0.0.1:1/0")  # nothing listens there


async def test_the_dashboard_works_by_reload_when_redis_is_down(world: World) -> None:
    await sign_in_by_form(world, "leader")
    page = await world.client.get(f"/lead?unit={world.units['A']}", headers=HTML)
    assert page.status_code == 200 and "响应率" in page.text
    assert "实时更新未连接" in page.text  # until the stream says "ready"
    live = await world.client.get("/lead/live", headers={"Accept": "text/event-stream"})
    assert live.status_code == 503
