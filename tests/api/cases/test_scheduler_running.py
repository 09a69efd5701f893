"""With the case scheduler running in the app (as in production), everything else still works:
its one-owner lock must not be a lock anything else takes (it once shared the unit tree's)."""

from __future__ import annotations

import asyncio

import msgspec
import pytest

from services.settings import Settings
from tests.support.access import World, create_unit

pytestmark = pytest.mark.api


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, run_scheduler=True, scheduler_seconds=0.05)


async def test_unit_commands_go_through_while_the_scheduler_owns_its_lock(world: World) -> None:
    await asyncio.sleep(0.3)  # the scheduler has taken its lock and ticked a few times
    unit = await asyncio.wait_for(create_unit(world, world.units["A"], "新部门"), timeout=20)
    r = await world.client.get(f"/api/v1/units/{unit}", headers=world.root)
    assert r.status_code == 200 and r.json()["unit"]["name"] == "新部门"
