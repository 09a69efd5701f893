"""A projection runner in its own process, for crash and take-over tests.

usage: python -m tests.support.runner_proc DSN OWNER [slow]
"""

from __future__ import annotations

import asyncio
import sys

import asyncpg

from events import catalogue
from projections.projector import Projector
from projections.runner import Runner
from tests.support.events import SeenEvents, SlowTotal, TotalByStream


async def main(dsn: str, owner: str, slow: bool) -> None:
    catalogue.load_all()
    pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=4, server_settings={"application_name": f"qs-test-runner-{owner}"}
    )
    projectors: list[Projector] = [
        SeenEvents(owner=owner),
        SlowTotal() if slow else TotalByStream(),
    ]
    runner = Runner(dsn, pool, projectors, batch_size=200, poll_seconds=0.2, lease_seconds=0.2)
    print("started", flush=True)
    await runner.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], len(sys.argv) > 3 and sys.argv[3] == "slow"))
