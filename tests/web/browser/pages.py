"""Steps a person takes in the browser, shared by the journeys."""

from __future__ import annotations

from typing import Any

from tests.web.browser.seed import PASSWORD


async def sign_in(page: Any, base: str, login: str) -> None:
    await page.goto(base + "/signin")
    await page.get_by_label("登录名").fill(login)
    await page.get_by_label("密码").fill(PASSWORD)
    async with page.expect_navigation():
        await page.get_by_role("button", name="登录").click()
    assert "/signin" not in page.url, await page.content()


async def take_step(page: Any, op_title: str, **fields: str) -> None:
    """Fill a step's form on the case page and submit it, confirming the dialog."""
    form = page.locator("form", has=page.get_by_role("heading", name=op_title, exact=True))
    for label, value in fields.items():
        field = form.get_by_label(label)
        if await field.evaluate("e => e.tagName") == "SELECT":
            await field.select_option(label=value)
        else:
            await field.fill(value)
    page.once("dialog", lambda d: d.accept())
    async with page.expect_navigation():
        await form.get_by_role("button", name=op_title, exact=True).click()


async def serious_violations(page: Any) -> list[str]:
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
