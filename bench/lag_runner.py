"""The runner process of the lag benchmark: usage python -m bench.lag_runner DSN."""

from __future__ import annotations

import asyncio
import sys

import asyncpg

from bench.lag import LagProbe
from events import catalogue
from projections.runner import Runner


async def main(dsn: str) -> None:
    catalogue.load_all()
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=4)
    await Runner(dsn, pool, [LagProbe()], batch_size=500, poll_seconds=1.0).run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
