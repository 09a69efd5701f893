"""The survey form through HTTP: codes never stay in a URL, answers go through the intake,
refusals are friendly pages."""

from __future__ import annotations

import re

import pytest

from tests.support.access import World
from tests.support.surveys import published_survey
from tests.web.conftest import hidden
from tests.web.test_staff_pages import HTML

pytestmark = pytest.mark.api


async def test_a_link_with_the_code_in_its_query_moves_it_behind_the_hash(world: World) -> None:
    survey = await published_survey(world, world.units["A"], "code")
    r = await world.client.get(f"/s/{survey}?code=ABCD-EFGH", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/s/{survey}#code=ABCD-EFGH"
    assert r.headers["referrer-policy"] == "no-referrer" and r.headers["cache-control"] == "no-store"


async def test_an_open_survey_is_answered_by_form_and_confirmed_honestly(world: World) -> None:
    survey = await published_survey(world, world.units["A"], "open")
    form = await world.client.get(f"/s/{survey}", headers=HTML)
    assert form.status_code == 200 and "我们绝不保存" in form.text
    sid = re.search(r'name="submission_id" value="([^"]+)"', form.text)
    assert sid
    body = {
        **hidden(form.text),
        "submission_id": sid.group(1),
        "q.q_members": "satisfied",
        "q.q_cadres": "4",
        "q.q_topics": ["pay", "hours"],
        "unit_id": world.units["A1"],
    }
    done = await world.client.post(f"/s/{survey}", data=body, headers=HTML)
    assert done.status_code == 200, done.text[:400]
    assert "您的答卷已加密封存" in done.text and "至少 5 份答卷" in done.text
    again = await world.client.post(f"/s/{survey}", data=body, headers=HTML)  # a resubmitted form
    assert again.status_code == 200 and "只计一次" in again.text


async def test_an_answer_off_the_scale_gets_a_friendly_page(world: World) -> None:
    survey = await published_survey(world, world.units["A"], "open")
    form = await world.client.get(f"/s/{survey}", headers=HTML)
    body = {
        **hidden(form.text),
        "submission_id": "abcdefgh12",
        "q.q_members": "satisfied",
        "q.q_cadres": "9",
        "unit_id": world.units["A1"],
    }
    r = await world.client.post(f"/s/{survey}", data=body, headers=HTML)
    assert r.status_code == 422 and "答卷内容与问卷不符" in r.text and "Traceback" not in r.text
