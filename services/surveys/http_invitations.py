"""Invitation codes over HTTP for admins: issue per unit, print (CSV, QR sheet), release now.

Codes are derived from the service secret (keys.invitation_code), so a sheet can be
printed again from the issue id; the database holds only keyed hashes of them.
"""

from __future__ import annotations

import csv
import html
import io
import uuid
from typing import Any

import segno
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from services.access.guards import Principal
from services.access.keys import service_secret
from services.access.scope import require_unit
from services.commanding import command_id_from, strict_body
from services.surveys import keys
from services.surveys.bodies import InvitationsIn
from services.surveys.commands import IssueInvitations
from services.surveys.handle import handle
from services.surveys.http import require_survey
from services.surveys.intake.releaser import release_due
from services.surveys.queries import issued_codes, survey_catalogue
from services.surveys.results.accounting import BallotRow, ballot_accounting
from services.surveys.results.cycle import load_cycle


class InvitationController(Controller):
    path = "/api/v1/surveys/{survey_id:str}"
    tags = ("surveys",)

    @post("/invitations", operation_id="issue_invitations", opt={"role": "admin"}, status_code=201)
    async def issue_invitations(
        self,
        survey_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> dict[str, Any]:
        """Issue one-time codes for a unit (default: as many as its headcount). Returns the issue id."""
        body = await strict_body(request, InvitationsIn)
        await require_survey(state, principal, survey_id, "admin")
        await require_unit(state.resources.pool, principal, body.unit_id, "admin")
        command_id = command_id_from(request.headers, state.ids)
        issue_id = str(uuid.uuid5(command_id, "issue"))
        command = IssueInvitations(
            survey_id=survey_id, unit_id=body.unit_id, issue_id=issue_id, count=body.count
        )
        await handle(
            state.resources.store,
            command,
            command_id=command_id,
            actor=principal.account_id,
            secret=await service_secret(state),
        )
        issued = await issued_codes(state.resources.pool, survey_id, issue_id)
        return {"issue_id": issue_id, "unit_id": issued.unit_id, "cycle": issued.cycle, "count": issued.count}

    @get("/invitations", operation_id="list_invitations", opt={"role": "admin"})
    async def list_invitations(
        self,
        survey_id: FromPath[str],
        state: State,
        principal: NamedDependency[Principal],
        unit: FromQuery[str | None] = None,
        cycle: FromQuery[int | None] = None,
    ) -> list[BallotRow]:
        """Ballot accounting for admins: issued, redeemed, waiting in the pool, recorded, per unit."""
        owner = await require_survey(state, principal, survey_id, "admin")
        await require_unit(state.resources.pool, principal, unit or owner, "admin")
        c = await load_cycle(state.resources.pool, survey_id, cycle)
        c.unit(unit or owner)
        return await ballot_accounting(state.resources.pool, c, unit or owner, c.definition.access == "code")

    @get("/invitations/{issue_id:str}/codes.csv", operation_id="invitation_codes_csv", opt={"role": "admin"})
    async def codes_csv(
        self,
        survey_id: FromPath[str],
        issue_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[bytes]:
        """The issue's codes as CSV, one line per code with the respondent's link."""
        codes, unit_id, _ = await _codes(state, principal, survey_id, issue_id)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["unit_id", "code", "link"])
        for code in codes:
            writer.writerow([unit_id, code, _link(request, survey_id, code)])
        return _download(
            out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", f"codes-{issue_id}.csv"
        )

    @get("/invitations/{issue_id:str}/sheet", operation_id="invitation_sheet", opt={"role": "admin"})
    async def sheet(
        self,
        survey_id: FromPath[str],
        issue_id: FromPath[str],
        request: Request[Any, Any, Any],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[bytes]:
        """A printable HTML sheet: one card per code, with its QR code and the code in letters."""
        codes, unit_id, title = await _codes(state, principal, survey_id, issue_id)
        cards = "".join(
            f'<div class="card"><img alt="QR" src="{_qr(_link(request, survey_id, c))}">'
            f"<p>{html.escape(title)}</p><p class=code>{c}</p></div>"
            for c in codes
        )
        page = _SHEET.format(title=html.escape(title), unit=html.escape(unit_id), cards=cards)
        return Response(page.encode(), media_type="text/html; charset=utf-8")

    @post("/release", operation_id="release_survey_pool", opt={"role": "admin"}, status_code=200)
    async def release_now(
        self, survey_id: FromPath[str], state: State, principal: NamedDependency[Principal]
    ) -> dict[str, int]:
        """Run the pool's release now (it also runs every few seconds): only due buckets leave."""
        await require_survey(state, principal, survey_id, "admin")
        return {"released": await release_due(state)}


async def _codes(
    state: State, principal: Principal, survey_id: str, issue_id: str
) -> tuple[list[str], str, str]:
    await require_survey(state, principal, survey_id, "admin")
    issued = await issued_codes(state.resources.pool, survey_id, issue_id)
    await require_unit(state.resources.pool, principal, issued.unit_id, "admin")
    secret = await service_secret(state)
    codes = [
        keys.invitation_code(secret, survey_id, issued.cycle, issued.unit_id, issue_id, n)
        for n in range(issued.count)
    ]
    title = (await survey_catalogue(state.resources.pool, survey_id)).definition.title.zh
    return codes, issued.unit_id, title


def _qr(link: str) -> str:
    return str(segno.make(link, error="m").svg_data_uri(scale=3))


def _link(request: Request[Any, Any, Any], survey_id: str, code: str) -> str:
    """The respondent's link: the form of the survey with the code filled in (absolute, for QR).

    The code rides in the #fragment, which browsers never send to a server: it reaches us only
    in the answer's POST body, never in a request line or an access log."""
    return f"{str(request.base_url).rstrip('/')}/s/{survey_id}#code={code}"


def _download(body: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


_SHEET = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif}} .card{{display:inline-block;width:30%;margin:1%;padding:8px;
border:1px dashed #888;text-align:center;page-break-inside:avoid}} .code{{font:bold 1.1em monospace}}</style>
</head><body><h1>{title}</h1><p>{unit}</p>{cards}</body></html>"""
