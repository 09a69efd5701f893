"""A staff member answers a survey on a phone with an invitation code; after the batch is
released, the leader's open dashboard shows the new count by itself (live update), and a
unit under k stays suppressed."""

from __future__ import annotations

import uuid
from typing import Any

from events.store import EventStore
from tests.web.browser.conftest import PHONE, LiveServer, csp_reports, shot
from tests.web.browser.pages import serious_violations, sign_in
from tests.web.browser.seed import Seed, coded_survey, seed_world


async def answer_by_api(seed: Seed, survey_id: str, code: str) -> None:
    body = {
        "submission_id": uuid.uuid4().hex,
        "answers": {"q_members": "basically_satisfied", "q_cadres": 5},
        "code": code,
    }
    r = await seed.http.post(f"/api/v1/public/surveys/{survey_id}/answers", json=body)
    assert r.status_code == 202, r.text


async def test_a_phone_answer_reaches_the_leaders_dashboard_and_small_units_stay_hidden(
    live_server: LiveServer, browser: Any, store: EventStore
) -> None:
    base = live_server.url
    seed = await seed_world(base, store)
    survey_id, codes = await coded_survey(seed, {"A1": 5, "A2": 2, "A3": 3})

    leader_ctx = await browser.new_context()
    leader_console = csp_reports(leader_ctx)
    leader = await leader_ctx.new_page()
    await sign_in(leader, base, "leader")
    await leader.goto(f"{base}/lead?unit={seed.units['A']}&survey={survey_id}")
    a1 = leader.locator(f'tr[data-unit="{seed.units["A1"]}"] [data-testid="respondents"]')
    assert await a1.inner_text() == "0"
    await leader.get_by_text("实时更新中").wait_for()

    phone_ctx = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone_console = csp_reports(phone_ctx)
    visited: list[str] = []
    phone_ctx.on("request", lambda r: visited.append(r.url))
    phone = await phone_ctx.new_page()
    code = codes["A1"][0]
    await phone.goto(f"{base}/s/{survey_id}#code={code}")  # as the QR sheet links it
    await phone.get_by_text("开始之前：我们保存什么，绝不保存什么").wait_for()
    assert "#" not in phone.url  # the code left the address bar at once
    await shot(phone, "survey-manifest-phone")
    assert await serious_violations(phone) == []
    await phone.get_by_text("第 1 页，共 6 页").wait_for()
    await phone.get_by_role("button", name="下一页").click()
    await phone.get_by_role("group", name="成员").get_by_label("满意", exact=True).check()
    await shot(phone, "survey-question-phone")
    assert await serious_violations(phone) == []
    assert await phone.locator("#code").input_value() == code  # taken from the link's #fragment
    await phone.reload()  # the draft is kept in this browser only, and comes back
    await phone.get_by_role("button", name="下一页").click()
    assert await phone.get_by_role("group", name="成员").get_by_label("满意", exact=True).is_checked()
    # With the keyboard only; focus goes to the new screen's heading, so a screen reader
    # announces where the respondent is.
    await phone.get_by_role("button", name="下一页").focus()
    await phone.keyboard.press("Enter")
    assert await phone.evaluate("() => document.activeElement.textContent") == "干部队伍好"
    await phone.get_by_role("group", name="干部").get_by_label("4").focus()
    await phone.keyboard.press("Space")
    assert await phone.get_by_role("group", name="干部").get_by_label("4").is_checked()
    await phone.get_by_role("button", name="下一页").click()
    await phone.get_by_role("group", name="推荐").get_by_label("9", exact=True).check()
    for _ in range(2):
        await phone.get_by_role("button", name="下一页").click()
    assert await phone.get_by_label("邀请码").input_value() == ""  # the code is never in the draft
    await phone.get_by_label("邀请码").fill(code)
    await phone.get_by_role("button", name="提交答卷").click()
    await phone.get_by_role("heading", name="谢谢！您的答卷已收到").wait_for()
    await shot(phone, "survey-done-phone")
    assert not [u for u in visited if code in u]
    assert all(u.startswith(base) or u.startswith("data:") for u in visited)  # no third-party request
    assert phone_console == []  # nothing blocked by the Content-Security-Policy, no script error
    assert await phone.evaluate("() => Object.keys(localStorage).length") == 0  # the draft is gone

    for c in codes["A1"][1:]:
        await answer_by_api(seed, survey_id, c)
    # Released (5 answers of A1 in the pool), then pushed to the open dashboard: no reload.
    await leader.locator(
        f'tr[data-unit="{seed.units["A1"]}"] [data-testid="respondents"]', has_text="5"
    ).wait_for(timeout=30_000)
    assert await leader.locator(f'table.heatmap tr[data-unit="{seed.units["A1"]}"] .suppressed').count() == 0

    # Small units' answers wait in the pool; the admin closes the cycle, which releases them.
    for key in ("A2", "A3"):
        for c in codes[key]:
            await answer_by_api(seed, survey_id, c)
    admin = await (await browser.new_context()).new_page()
    await sign_in(admin, base, "admin")
    await admin.goto(f"{base}/admin/surveys/{survey_id}")
    admin.once("dialog", lambda d: d.accept())
    async with admin.expect_navigation():
        await admin.get_by_role("button", name="关闭测评").click()
    assert await admin.get_by_test_id("survey-status").inner_text() == "已关闭"
    await shot(admin, "admin-survey-closed")

    a2_row = leader.locator(f'table.heatmap tr[data-unit="{seed.units["A2"]}"]')
    await a2_row.get_by_test_id("suppressed").wait_for(timeout=30_000)
    assert await a2_row.get_by_test_id("suppressed").inner_text() == "< 5"
    assert await a2_row.get_by_text("已隐藏").count() == 5  # every dimension of the row
    a1_row = leader.locator(f'table.heatmap tr[data-unit="{seed.units["A1"]}"]')
    assert await a1_row.locator(".suppressed").count() == 0
    await shot(leader, "leader-dashboard-survey")
    assert leader_console == []
    assert await serious_violations(leader) == []
    await seed.http.aclose()
