"""The two ceilings of the intake benchmark, as bare Litestar apps on the same server:

* POST /validate: decode and validate the same answer body (msgspec, strict), answer 202
  — the HTTP limit of this machine;
* POST /insert: the same, plus one asyncpg INSERT per request (autocommit: one commit
  per answer) — what a naive durable intake reaches. Its pool is the service's own
  (events/store/pool.py: no reset query on release), so the INSERT is the only round trip;
  asyncpg's default pool would add a second one and flatter us.

Run: uvicorn --factory bench.bare_app:create --workers 2 (DATABASE_URL in the environment).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, get, post

from events.store.pool import create_pool
from services.surveys.intake.accept import AnswerBody

_decoder = msgspec.json.Decoder(AnswerBody, strict=True)


@post("/validate", status_code=202)
async def validate(request: Request[Any, Any, Any]) -> Response[bytes]:
    _decoder.decode(await request.body())
    return Response(b'{"status":"accepted"}', status_code=202, media_type="application/json")


@post("/insert", status_code=202)
async def insert(request: Request[Any, Any, Any]) -> Response[bytes]:
    raw = await request.body()
    _decoder.decode(raw)
    await request.app.state.pool.execute("INSERT INTO bench_bare_answers (body) VALUES ($1)", raw)
    return Response(b'{"status":"accepted"}', status_code=202, media_type="application/json")


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def create() -> Litestar:
    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.pool = await create_pool(os.environ["DATABASE_URL"], min_size=8, max_size=32)
        try:
            yield
        finally:
            await app.state.pool.close()

    return Litestar([validate, insert, health], lifespan=[lifespan], debug=False)
