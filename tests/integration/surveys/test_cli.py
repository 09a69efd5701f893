"""`qunsheng survey create FILE.yaml`: the file becomes a draft, or a published first cycle."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from events.store import EventStore, Expect
from events.surveys import SurveyPublished
from events.units import UnitCreated
from projections.unit_tree import UnitTree
from services.settings import Settings
from services.surveys.cli import create_from_file
from tests.support.helpers import new

pytestmark = pytest.mark.integration
FILE = """
owner_unit_id: school
title: {zh: 2026年满意度测评, en: 2026 satisfaction survey}
access: code
questions:
  - {id: q1, kind: likert, dimension: members, required: true, text: {zh: 对工会成员的满意度}}
  - id: grp
    kind: single
    text: {zh: 您属于}
    options: [{id: youth, text: {zh: 青年}}, {id: women, text: {zh: 妇女}}]
publish: {k: 6, segment_questions: [grp]}
"""


async def test_survey_create_from_yaml_publishes_with_the_unit_snapshot(
    store: EventStore, tmp_path: Path
) -> None:
    for unit, parent in (("school", None), ("dept", "school")):
        e = UnitCreated(unit_id=unit, parent_id=parent, name=unit, kind="school", headcount=9)
        await store.append(f"unit-{unit}", new(e), Expect.ANY)
    async with store.pool.acquire() as conn, conn.transaction():
        await UnitTree().create_tables(conn)
        await UnitTree().apply_batch(conn, await store.read_all())
    path = tmp_path / "survey.yaml"
    path.write_text(FILE, encoding="utf-8")
    settings = Settings(secret_key="cli-test-secret")
    survey_id, cycle = await create_from_file(store, settings, path, datetime(2026, 3, 2, tzinfo=UTC))
    assert cycle == 1
    events = [r.event for r in await store.read_stream(f"survey-{survey_id}")]
    published = events[-1]
    assert isinstance(published, SurveyPublished) and published.manifest.k == 6
    assert {u.unit_id: u.path for u in published.units} == {"school": ("school",), "dept": ("school", "dept")}
    assert published.definition.dimensions[0].text.zh == "成员好"


async def test_survey_create_from_a_bad_file_says_why(store: EventStore, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("owner_unit_id: x\ntitle: {zh: t}\nquestions: [{id: q, kind: stars, text: {zh: t}}]\n")
    with pytest.raises(ValueError, match="kind"):
        await create_from_file(store, Settings(secret_key="k"), path, datetime(2026, 3, 2, tzinfo=UTC))
