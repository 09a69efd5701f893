"""Group commit for anonymous intake: many answers per transaction, each 202 after commit.

A request hands its submission to the batcher and waits for the transaction that carries
it to commit, so a 202 still means "durably in the pool". While one or two transactions
are committing, new submissions gather and go together in the next one: under load the
commit cost is shared by the whole batch, at low load a submission goes alone at once.
One submission's refusal (a used code, a closed survey) never fails its batch: every
check is a set operation whose result is read per submission.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import Literal

import asyncpg
import msgspec

from services.surveys.intake.pool_sql import commit_batch

Outcome = Literal["accepted", "duplicate", "bad-code", "closed", "bad-unit"]
Result = tuple[Outcome, str | None]  # and the unit the answer counts for


class Submission(msgspec.Struct, frozen=True, kw_only=True):
    survey_id: str
    cycle: int  # the cycle the answer was validated against
    sid_hash: bytes
    sealed: bytes
    unit_id: str | None  # open link: the unit the respondent chose
    code_hash: bytes | None  # invitation: the code's unit is the answer's unit
    minute: datetime  # arrival to the minute, only to start a bucket's time limit (never stored per answer)


class Batcher:
    def __init__(self, pool: asyncpg.Pool, *, max_batch: int = 500, parallel: int = 1) -> None:
        self.pool = pool
        self.max_batch = max_batch
        self.parallel = parallel
        self._queue: list[tuple[Submission, asyncio.Future[Result]]] = []
        self._active: set[asyncio.Task[None]] = set()
        self._scheduled = False

    async def submit(self, submission: Submission) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append((submission, future))
        if not self._scheduled:  # after this turn of the loop: every request ready now joins
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._kick)
        # A client hanging up (or a shutdown) cancels only this wait: the batch is committed
        # by its own task, which skips futures nobody waits for any more.
        return await future

    def _kick(self) -> None:
        self._scheduled = False
        while self._queue and len(self._active) < self.parallel:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            task = asyncio.get_running_loop().create_task(self._flush(batch))
            self._active.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._active.discard(task)
        self._kick()

    async def _flush(self, batch: list[tuple[Submission, asyncio.Future[Result]]]) -> None:
        try:
            outcomes = await commit_batch(self.pool, [s for s, _ in batch])
        except Exception as exc:  # nothing of the batch committed: every request fails
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)

    async def close(self) -> None:
        for task in list(self._active):
            with contextlib.suppress(Exception):
                await task
