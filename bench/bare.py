"""Ceilings for HTTP benchmarks: bare Litestar endpoints on the same server and load tool.

`uvicorn --factory bench.bare:app_from_env` serves POST /validate (decode and validate the
body, nothing else: the HTTP limit) and POST /insert (the same, plus one asyncpg INSERT per
request: the limit of a one-row-per-request design).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Annotated

import asyncpg
import msgspec
from litestar import Litestar, Request, post

from events.store.pool import create_pool


class Body(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    visibility: str
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]


async def _body(request: Request) -> Body:  # type: ignore[type-arg]
    return msgspec.json.decode(await request.body(), type=Body)


def app_from_env() -> Litestar:
    dsn = os.environ["DATABASE_URL"]
    pool: dict[str, asyncpg.Pool] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # The service's own pool (no reset query on release): the INSERT is the only round trip.
        pool["p"] = await create_pool(dsn, min_size=4, max_size=16)
        await pool["p"].execute(
            "CREATE TABLE IF NOT EXISTS bare_insert (id bigserial PRIMARY KEY, body jsonb NOT NULL)"
        )
        yield
        await pool["p"].close()

    @post("/validate", status_code=200)
    async def validate(request: Request) -> dict[str, bool]:  # type: ignore[type-arg]
        await _body(request)
        return {"ok": True}

    @post("/insert", status_code=200)
    async def insert(request: Request) -> dict[str, bool]:  # type: ignore[type-arg]
        body = await _body(request)
        await pool["p"].execute(
            "INSERT INTO bare_insert (body) VALUES ($1::jsonb)", msgspec.json.encode(body).decode()
        )
        return {"ok": True}

    return Litestar([validate, insert], lifespan=[lifespan])
