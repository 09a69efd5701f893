"""Switching to English changes every label of the form; the choice sticks."""

from __future__ import annotations

from typing import Any

from events.store import EventStore
from tests.web.browser.conftest import LiveServer, shot
from tests.web.browser.seed import seed_world

LABELS = (
    "main h1, main legend, main label, main button, main .help, main option, header nav a, header nav button"
)


async def texts(page: Any) -> list[str]:
    return [t.strip() for t in await page.locator(LABELS).all_inner_texts()]


async def test_switching_to_english_changes_every_label_of_the_form(
    live_server: LiveServer, browser: Any, store: EventStore
) -> None:
    base = live_server.url
    seed = await seed_world(base, store)
    page = await (await browser.new_context()).new_page()
    await page.goto(base + "/problem")
    chinese = await texts(page)
    assert await page.locator("html").get_attribute("lang") == "zh-CN"
    await page.get_by_role("link", name="English").click()
    await page.wait_for_url(base + "/problem")
    english = await texts(page)
    assert await page.locator("html").get_attribute("lang") == "en"
    await shot(page, "problem-form-english")
    assert len(chinese) == len(english) > 15
    # Names people gave units stay as they are; a language's own name is written in it.
    units = {"农业局", "第一中学", "教务处", "后勤处", "图书馆", "English", "中文"}
    unchanged = [
        (zh, en) for zh, en in zip(chinese, english, strict=True) if zh == en and zh.strip("　") not in units
    ]
    assert unchanged == []
    assert "Raise a problem" in english and "Submit" in english
    chinese_left = [
        t for t in english if t.strip("　") not in units and any("\u4e00" <= ch <= "\u9fff" for ch in t)
    ]
    assert chinese_left == []
    await page.goto(base + "/receipt")  # the choice is remembered
    assert await page.get_by_role("button", name="Open my case").count() == 1
    await seed.http.aclose()
