"""Pages for people without an account, through HTTP: raise a problem, follow it by code."""

from __future__ import annotations

import re

import pytest

from tests.support.access import World
from tests.web.conftest import hidden

pytestmark = pytest.mark.api
HTML = {"Accept": "text/html"}


async def raise_problem(world: World, text: str = "食堂排队时间过长") -> str:
    c = world.client
    form = await c.get("/problem", headers=HTML)
    assert form.status_code == 200
    body = {
        **hidden(form.text),
        "kind": "suggestion",
        "unit_id": world.units["A1"],
        "text": text,
        "urgency": "normal",
        "identity": "anonymous",
    }
    done = await c.post("/problem", data=body, headers=HTML)
    assert done.status_code == 200, done.text[:500]
    assert done.headers["cache-control"] == "no-store"
    assert done.headers["referrer-policy"] == "no-referrer"
    code = re.search(r'id="receipt-code"[^>]*>([^<]+)<', done.text)
    assert code
    world.secrets.append(code.group(1))
    return code.group(1)


async def test_raise_a_problem_shows_the_code_once_and_the_receipt_page_opens_it(world: World) -> None:
    code = await raise_problem(world)
    c = world.client
    entry = await c.get("/receipt", headers=HTML)
    page = await c.post("/receipt", data={**hidden(entry.text), "code": code}, headers=HTML)
    assert page.status_code == 200
    assert "已提交" in page.text and "食堂排队时间过长" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    wrong = await c.post("/receipt", data={**hidden(entry.text), "code": "nope"}, headers=HTML)
    assert wrong.status_code == 404 and "<html" in wrong.text and "Traceback" not in wrong.text


async def test_a_public_form_without_its_token_is_refused(world: World) -> None:
    r = await world.client.post("/receipt", data={"code": "x"}, headers=HTML)
    assert r.status_code == 403


async def test_pages_escape_what_people_typed(world: World) -> None:
    code = await raise_problem(world, "<script>alert(1)</script>")
    entry = await world.client.get("/receipt", headers=HTML)
    page = await world.client.post("/receipt", data={**hidden(entry.text), "code": code}, headers=HTML)
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_pages_carry_the_security_headers_and_no_inline_script(world: World) -> None:
    for path in ("/", "/problem", "/receipt", "/signin"):
        r = await world.client.get(path, headers=HTML)
        csp = r.headers["content-security-policy"]
        directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
        # Scripts only from this origin, never inline (styles may be: the printable QR sheet
        # carries its own <style>; the pages themselves use no inline style, checked below).
        assert directives["script-src"] == ["'self'"] and directives["frame-ancestors"] == ["'none'"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "<script>" not in r.text and " onclick=" not in r.text and " style=" not in r.text


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/work", "/work"),
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
        ("/\\evil", "/"),
        (None, "/"),
    ],
)
def test_only_paths_on_this_site_are_followed_after_sign_in_or_a_language_switch(
    target: str | None, safe: str
) -> None:
    from services.web.urls import safe_next

    assert safe_next(target) == safe


async def test_the_requester_writes_then_withdraws_from_the_receipt_page(world: World) -> None:
    code = await raise_problem(world)
    c = world.client
    entry = await c.get("/receipt", headers=HTML)
    page = await c.post("/receipt", data={**hidden(entry.text), "code": code}, headers=HTML)
    replied = await c.post(
        "/receipt/reply", data={**hidden(page.text), "code": code, "text": "补充：每天中午"}, headers=HTML
    )
    assert replied.status_code == 200 and "留言已发送" in replied.text and "补充：每天中午" in replied.text
    again = await c.post(
        "/receipt/reply", data={**hidden(page.text), "code": code, "text": "补充：每天中午"}, headers=HTML
    )
    assert again.text.count("补充：每天中午") == 1  # the same form sent twice acts once
    gone = await c.post(
        "/receipt/withdraw", data={**hidden(replied.text), "code": code, "reason": ""}, headers=HTML
    )
    assert gone.status_code == 200 and "已撤回" in gone.text
    assert 'action="/receipt/withdraw"' not in gone.text  # no step the case no longer allows
