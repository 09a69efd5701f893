"""Handler and leader pages through HTTP: sign in by form, work a case by its forms, see the
dashboard; signed-out browsers are sent to sign in, outsiders get 404 pages."""

from __future__ import annotations

import re

import pytest

from tests.support.access import PASSWORD, World
from tests.web.conftest import hidden
from tests.web.test_staff_pages import HTML, raise_problem

pytestmark = pytest.mark.api


async def sign_in_by_form(world: World, login: str) -> None:
    c = world.client
    c.cookies.clear()
    form = await c.get("/signin", headers=HTML)
    r = await c.post(
        "/signin",
        data={**hidden(form.text), "login": login, "password": PASSWORD, "next": "/"},
        headers=HTML,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie  # as the access slice's sign-in
    c.cookies.set("qs_session", r.cookies["qs_session"])


async def case_id_of_latest(world: World) -> str:
    r = await world.client.get("/work", headers=HTML)
    assert r.status_code == 200
    found = re.findall(r'href="/work/cases/([0-9a-f-]+)"', r.text)
    assert found
    return found[0]


async def step(world: World, case_id: str, op: str, **fields: str) -> str:
    page = await world.client.get(f"/work/cases/{case_id}", headers=HTML)
    form = re.search(
        rf'<form method="post" action="/(?:work|lead)/cases/{case_id}/{op}".*?</form>', page.text, re.S
    )
    assert form, f"{op} is not offered"
    r = await world.client.post(
        f"/{'lead' if op in ('escalate', 'reopen', 'extension-decision') else 'work'}/cases/{case_id}/{op}",
        data={**hidden(form.group(0)), **fields},
        headers=HTML,
    )
    assert r.status_code == 200, r.text[:500]
    return r.text


async def test_signed_out_browsers_are_sent_to_sign_in_and_others_get_401(world: World) -> None:
    c = world.client
    c.cookies.clear()
    r = await c.get("/work", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin?next=/work"
    assert (await c.get("/work", follow_redirects=False)).status_code == 401


async def test_a_handler_works_a_case_through_its_forms(world: World) -> None:
    await raise_problem(world)
    await sign_in_by_form(world, "handler")
    case_id = await case_id_of_latest(world)
    page = await step(world, case_id, "accept")
    assert "已受理" in page
    assert 'action="/work/cases/' + case_id + '/sign"' not in page  # not offered before assignment
    await step(world, case_id, "assign", unit_id=world.units["A1"], note="")
    await step(world, case_id, "sign")
    await step(world, case_id, "answer", text="已增加两个窗口")
    page = await step(world, case_id, "resolve", text="问题已解决")
    assert "已办结" in page and "已增加两个窗口" in page


async def test_a_form_without_the_csrf_token_is_refused(world: World) -> None:
    await raise_problem(world)
    await sign_in_by_form(world, "handler")
    case_id = await case_id_of_latest(world)
    r = await world.client.post(f"/work/cases/{case_id}/accept", data={}, headers=HTML)
    assert r.status_code == 403


async def test_the_leader_dashboard_shows_rates_and_the_queue(world: World) -> None:
    await raise_problem(world)
    await sign_in_by_form(world, "leader")
    r = await world.client.get(f"/lead?unit={world.units['A']}", headers=HTML)
    assert r.status_code == 200, r.text[:800]
    assert "响应率" in r.text and "满意率" in r.text and "红榜" in r.text
    outside = await world.client.get(f"/lead?unit={world.units['B']}", headers=HTML)
    assert outside.status_code == 404
