"""The requester's side, with no account: raise a problem, then follow it with the receipt code.

The code travels only in POST bodies, never in a URL (URLs end up in logs, histories and
Referer headers). Wrong, malformed and unknown codes get one identical answer, and guesses
are limited per client (a daily-rotating HMAC of the address) and for everyone together.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Controller, Request, Response, post
from litestar.datastructures import State

from events.cases import Kind, Satisfaction, Urgency
from projections.runner import wait_for
from services.access import throttle
from services.access.keys import client_key, service_secret
from services.cases import commands as c
from services.cases import receipts
from services.cases.requester_view import RequesterView, requester_view
from services.cases.submit import submit_case
from services.cases.texts import ShortText, Text, checked
from services.cases.transitions import CASE_PROJECTIONS, run_command
from services.commanding import strict_body
from services.problems import Problem, TooManyRequests

PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


class UnknownReceipt(Problem):
    status, slug, title = 404, "receipt-not-found", "No case matches this receipt code"


class UnknownUnit(Problem):
    status, slug, title = 422, "unknown-unit", "There is no such unit"


class NewCase(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: Kind
    unit_id: ShortText
    text: Text
    urgency: Urgency = "normal"
    contact: ShortText | None = None  # given only by a requester who chooses to be named


class Receipt(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(max_length=64)]


class Reply(Receipt, frozen=True, forbid_unknown_fields=True):
    text: Text


class Rating(Receipt, frozen=True, forbid_unknown_fields=True):
    solved: bool
    satisfaction: Satisfaction
    comment: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class Reason(Receipt, frozen=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class Submitted(msgspec.Struct, frozen=True):
    receipt_code: str
    status: str
    notice: str


class RequesterController(Controller):
    tags = ("cases: requester",)

    @post("/api/v1/cases", operation_id="submit_case", opt={"public": True}, status_code=201)
    async def submit(self, request: Request[Any, Any, Any], state: State) -> Response[Submitted]:
        """Raise a rights-protection request, a suggestion or a sentiment report. Anonymous
        unless `contact` is given. The receipt code is shown in this answer only."""
        body = await strict_body(request, NewCase)
        try:
            exists = await state.resources.pool.fetchval(
                "SELECT true FROM unit_tree WHERE unit_id = $1 AND NOT closed", body.unit_id
            )
        except asyncpg.UndefinedTableError:  # a fresh store: the runner has not made the tree yet
            exists = False
        if not exists:
            raise UnknownUnit()
        done = await submit_case(
            state.resources,
            state.clock,
            state.ids,
            kind=body.kind,
            unit_id=body.unit_id,
            text=checked(body.text),
            urgency=body.urgency,
            contact=checked(body.contact, "contact") if body.contact else None,
            state=state,
        )
        await wait_for(state.resources.pool, CASE_PROJECTIONS, done.position, timeout=5)
        notice = "请妥善保存回执码：它只显示这一次，凭它查询进度、补充材料和评价。"
        return Response(Submitted(done.receipt_code, "submitted", notice), status_code=201, headers=PRIVATE)

    @post("/api/v1/receipt", operation_id="receipt_status", opt={"public": True}, status_code=200)
    async def status(self, request: Request[Any, Any, Any], state: State) -> Response[RequesterView]:
        """What happened to the case: status, public steps and messages (unit names only)."""
        body = await strict_body(request, Receipt)
        case_id = await _open(request, state, body.code)
        return Response(await requester_view(state, case_id), headers=PRIVATE)

    @post("/api/v1/receipt/reply", operation_id="receipt_reply", opt={"public": True}, status_code=200)
    async def reply(self, request: Request[Any, Any, Any], state: State) -> Response[RequesterView]:
        """Write to the handlers, or supply what they asked for."""
        body = await strict_body(request, Reply)
        cmd = c.PostMessage(
            message_id=str(state.ids.new()), visibility="public", text=checked(body.text), from_requester=True
        )
        return await _act(request, state, body.code, cmd)

    @post("/api/v1/receipt/rate", operation_id="receipt_rate", opt={"public": True}, status_code=200)
    async def rate(self, request: Request[Any, Any, Any], state: State) -> Response[RequesterView]:
        """Rate the outcome: solved or not, and 满意 / 基本满意 / 不满意."""
        body = await strict_body(request, Rating)
        comment = checked(body.comment, "comment") if body.comment else ""
        cmd = c.RateCase(solved=body.solved, satisfaction=body.satisfaction, comment=comment)
        return await _act(request, state, body.code, cmd)

    @post("/api/v1/receipt/withdraw", operation_id="receipt_withdraw", opt={"public": True}, status_code=200)
    async def withdraw(self, request: Request[Any, Any, Any], state: State) -> Response[RequesterView]:
        """Withdraw the case."""
        body = await strict_body(request, Reason)
        return await _act(request, state, body.code, c.WithdrawCase(reason=body.reason))

    @post("/api/v1/receipt/reopen", operation_id="receipt_reopen", opt={"public": True}, status_code=200)
    async def reopen(self, request: Request[Any, Any, Any], state: State) -> Response[RequesterView]:
        """Ask for the case to be handled again (重办), within the reopen window after rating."""
        body = await strict_body(request, Reason)
        cmd = c.ReopenCase(reason=checked(body.reason, "reason"), by_leader=False)
        return await _act(request, state, body.code, cmd)


async def _act(
    request: Request[Any, Any, Any], state: State, code: str, cmd: c.AnyCommand
) -> Response[RequesterView]:
    case_id = await _open(request, state, code)
    after = await run_command(request, state, case_id, cmd, actor=None)
    return Response(await requester_view(state, case_id, after), headers=PRIVATE)


async def _open(request: Request[Any, Any, Any], state: State, code: str) -> str:
    """The case the code opens; limits guessing; one answer for every kind of wrong code."""
    res, now = state.resources, state.clock.now()
    secret = await service_secret(state)
    address = request.client.host if request.client else "unknown"
    # The global key is derived from the secret too: deployments (and test runs) that share
    # a Redis never share a limit.
    everyone = ["receipts:" + hmac.new(secret, b"receipts-everyone", hashlib.sha256).hexdigest()[:16]]
    client = ["receipt:" + client_key(secret, address, now)]
    wait = await throttle.blocked_for(res, client, now)
    if wait:  # this client guessed too much: not even a right code is looked at
        raise TooManyRequests("Too many wrong receipt codes; try again later", wait)
    case_id = await receipts.case_for(res.pool, secret, code)
    if case_id is None:
        # The global limit is checked only for wrong codes: a flood of guesses from many
        # addresses slows every guesser, but cannot lock real holders out of their cases
        # (a right guess of 100 random bits is not a risk worth that).
        wait = await throttle.blocked_for(res, everyone, now)
        await throttle.record_failure(res, client + everyone, now)
        if wait:
            raise TooManyRequests("Too many wrong receipt codes; try again later", wait)
        raise UnknownReceipt()
    return case_id
