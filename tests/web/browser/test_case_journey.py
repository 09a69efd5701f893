"""An anonymous requester raises a problem; a handler accepts, signs for, answers and resolves
it; the requester rates it with the receipt code; the leader's rates change. The receipt
code never appears in any URL the requester's browser asked for."""

from __future__ import annotations

from typing import Any

from events.store import EventStore
from tests.web.browser.conftest import PHONE, LiveServer, csp_reports, shot
from tests.web.browser.pages import serious_violations, sign_in, take_step
from tests.web.browser.seed import seed_world


async def test_a_problem_is_raised_worked_rated_and_counted(
    live_server: LiveServer, browser: Any, store: EventStore
) -> None:
    base = live_server.url
    seed = await seed_world(base, store)

    # The leader's satisfaction rate before: nothing rated yet.
    leader = await (await browser.new_context()).new_page()
    await sign_in(leader, base, "leader")
    await leader.goto(f"{base}/lead?unit={seed.units['A']}")
    await shot(leader, "leader-dashboard-before")
    satisfaction = leader.get_by_test_id("satisfaction_rate")
    assert "—" in await satisfaction.inner_text()

    # The requester, on a phone, with no account.
    requester_ctx = await browser.new_context(viewport=PHONE)
    console = csp_reports(requester_ctx)
    visited: list[str] = []
    requester_ctx.on("request", lambda r: visited.append(r.url))
    requester = await requester_ctx.new_page()
    await requester.goto(base + "/problem")
    await requester.get_by_label("意见建议").check()
    await requester.get_by_label("涉及哪个单位？").select_option(label="　　教务处")
    await requester.get_by_label("问题描述").fill("食堂午餐排队超过二十分钟，希望增加窗口。")
    await requester.get_by_role("button", name="提交").click()
    code = (await requester.locator("#receipt-code").inner_text()).strip()
    assert len(code) >= 16
    await shot(requester, "problem-receipt-code")

    # The handler works it.
    handler = await (await browser.new_context()).new_page()
    await sign_in(handler, base, "handler")
    await handler.goto(base + "/work")
    await shot(handler, "handler-queue")
    assert await handler.locator("tbody tr").count() == 1
    await handler.locator("tbody tr a").first.click()
    await take_step(handler, "受理")
    await take_step(handler, "交办", 单位="　　教务处")
    await take_step(handler, "签收")
    await take_step(handler, "答复", 给诉求人的答复="已与食堂协商，下周起增加两个窗口。")
    await take_step(handler, "办结", 办理结果摘要="增加窗口，排队时间降到五分钟以内。")
    assert await handler.get_by_test_id("case-status").inner_text() == "已办结"
    await shot(handler, "handler-case")
    assert await serious_violations(handler) == []

    # The requester follows it with the code and rates it.
    await requester.goto(base + "/receipt")
    await requester.get_by_label("回执码").fill(code)
    await requester.get_by_role("button", name="查询").click()
    assert await requester.get_by_test_id("case-status").inner_text() == "已办结"
    assert await requester.get_by_text("已与食堂协商，下周起增加两个窗口。").count() == 1
    assert await serious_violations(requester) == []
    await shot(requester, "receipt-page")
    await requester.get_by_role("group", name="问题是否已解决？").get_by_label("是").check()
    await requester.get_by_label("满意", exact=True).check()
    await requester.get_by_role("button", name="提交评价").click()
    assert await requester.get_by_test_id("case-status").inner_text() == "已评价"

    assert console == []  # nothing blocked by the Content-Security-Policy, no script error
    # Nothing the requester's browser asked for carried the code.
    assert visited and not [u for u in visited if code in u]
    assert all(u.startswith(base) for u in visited)  # no third-party request, no CDN
    history = await requester.evaluate("() => [location.href, document.referrer]")
    assert all(code not in h for h in history)

    # The leader's open dashboard shows the rates move by itself (a case changed: live update).
    rate = leader.get_by_test_id("satisfaction_rate")
    await rate.get_by_text("100.0%").wait_for(timeout=30_000)
    assert "1 / 1" in await leader.get_by_test_id("resolution_rate").inner_text()
    await shot(leader, "leader-dashboard-cases")
    await seed.http.aclose()
