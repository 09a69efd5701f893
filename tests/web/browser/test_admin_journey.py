"""An administrator keeps the tree and accounts, builds a survey, publishes it, issues
invitation codes and prints the QR sheet, all through the pages."""

from __future__ import annotations

from typing import Any

from events.store import EventStore
from tests.web.browser.conftest import LiveServer, shot
from tests.web.browser.pages import serious_violations, sign_in
from tests.web.browser.seed import seed_world


async def test_an_admin_builds_publishes_and_prints_invitations(
    live_server: LiveServer, browser: Any, store: EventStore
) -> None:
    base = live_server.url
    seed = await seed_world(base, store)
    page = await (await browser.new_context()).new_page()
    await sign_in(page, base, "admin")
    assert page.url.endswith("/admin")

    new_unit = page.locator("form[action='/admin/units']")
    await new_unit.get_by_label("上级单位").select_option(label="　第一中学")
    await new_unit.get_by_label("名称").fill("团委")
    await new_unit.get_by_label("单位类型").select_option(label="共青团")
    async with page.expect_navigation():
        await new_unit.get_by_role("button", name="创建单位").click()
    assert await page.get_by_role("cell", name="团委").count() == 1

    roles = page.locator("form[action='/admin/roles']")
    await roles.get_by_label("账号").select_option(label="handler · 王老师")
    await roles.get_by_label("单位").select_option(label="　　团委")
    await roles.get_by_label("角色").select_option(label="承办人")
    page.once("dialog", lambda d: d.accept())
    async with page.expect_navigation():
        await roles.get_by_role("button", name="授予").click()
    handler_row = page.locator("tr", has=page.get_by_role("cell", name="handler", exact=True))
    assert "承办人 · 团委" in await handler_row.inner_text()
    await shot(page, "admin-home")
    assert await serious_violations(page) == []

    await page.get_by_role("link", name="设计新测评").click()
    await page.get_by_label("标题（中文）").fill("教职工满意度测评")
    await page.get_by_label("所属单位").select_option(label="　第一中学")
    await page.locator("#q1_text_zh").fill("您对工会工作满意吗？")
    await page.locator("#q2_text_zh").fill("您对干部作风的评分")
    await page.locator("#q2_kind").select_option("rating5")
    await page.locator("#q3_text_zh").fill("您所在的群体")
    await page.locator("#q3_kind").select_option("single")
    await page.locator("#q3_dimension").select_option("")
    await page.locator("#q3_options").fill("青年教师 | Young teachers\n女教职工 | Women staff\n其他 | Others")
    await shot(page, "admin-builder")
    assert await serious_violations(page) == []
    async with page.expect_navigation():
        await page.get_by_role("button", name="保存草稿").click()
    assert await page.get_by_test_id("survey-status").inner_text() == "草稿"

    await page.get_by_label("您所在的群体").check()
    page.once("dialog", lambda d: d.accept())
    async with page.expect_navigation():
        await page.get_by_role("button", name="发布", exact=True).click()
    assert await page.get_by_test_id("survey-status").inner_text() == "已发布"

    invite = page.locator("form[action$='/invitations']")
    await invite.get_by_label("单位").select_option(label="　　教务处")
    await invite.get_by_label("数量").fill("6")
    async with page.expect_navigation():
        await invite.get_by_role("button", name="生成邀请码").click()
    assert await page.get_by_text("教务处: 6 个邀请码, 0 个已使用").count() == 1
    issued = page.locator("tr", has=page.get_by_role("rowheader", name="教务处")).locator("td").first
    assert await issued.inner_text() == "6"  # ballot accounting counts the codes issued
    await shot(page, "admin-survey")

    await page.get_by_role("link", name="可打印二维码页").click()
    assert await page.locator(".qcard").count() == 6
    assert await page.locator(".qcard img").first.evaluate("i => i.naturalWidth") > 0
    await shot(page, "admin-qr-sheet")
    await seed.http.aclose()
