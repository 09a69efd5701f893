"""The demo's surveys: a quarterly "五个好" satisfaction survey of the whole bureau, four
cycles over the past year, answered by most staff of each working unit and released and
closed through the surveys slice's own commands and intake.

Answers are drawn from a fixed seed with a slow improvement from cycle to cycle, so the
trend and the heatmap show something real. Idempotent: commands replay by their ids, and
each answer's submission id is fixed, so the intake counts a second run as duplicates.

Publishing snapshots the unit tree from its projection and the intake reads the published
form from another, so this chapter needs a projection runner going (the server's, or the
one `qunsheng demo` starts) and waits for it; without one it is skipped.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec

from events.store import EventStore
from events.surveys import PrivacyManifest
from projections.runner import wait_for
from services.access.keys import service_secret
from services.demo.data import UNITS
from services.surveys import keys
from services.surveys.bodies import NewSurvey
from services.surveys.commands import CloseSurvey, CreateSurvey, PublishSurvey
from services.surveys.handle import handle
from services.surveys.intake import forms
from services.surveys.intake.batcher import Submission
from services.surveys.intake.pool_sql import commit_batch
from services.surveys.intake.validate import validate

log = logging.getLogger(__name__)
NS = uuid.UUID("3a6c2e71-0f5d-4b8e-a3c9-7d41b2e8f650")
CYCLES = (11, 8, 5, 2)  # months ago each cycle opened
ANSWERING = ("department", "other", "school", "bureau")  # where staff work (not union etc.)
QUESTIONS = [
    ("q_members", "members", "您对本单位党员和职工队伍的满意度"),
    ("q_cadres", "cadres", "您对本单位领导干部的满意度"),
    ("q_mechanisms", "mechanisms", "您对诉求表达和矛盾处理机制的满意度"),
    ("q_performance", "performance", "您对本单位工作业绩的满意度"),
    ("q_feedback", "feedback", "您对群众反映问题的解决情况的满意度"),
]


async def _caught_up(store: EventStore, names: list[str], timeout: float = 30.0) -> bool:
    head = await store.pool.fetchval("SELECT max(position) FROM events")
    return head is None or await wait_for(store.pool, names, head, timeout)


def _definition(owner: str) -> NewSurvey:
    likert = [
        {"id": q, "kind": "likert", "dimension": d, "required": True, "text": {"zh": t}}
        for q, d, t in QUESTIONS
    ]
    group = {
        "id": "q_group",
        "kind": "single",
        "text": {"zh": "您属于", "en": "You are"},
        "options": [
            {"id": "youth", "text": {"zh": "青年职工（35岁以下）"}},
            {"id": "women", "text": {"zh": "女职工"}},
            {"id": "staff", "text": {"zh": "其他职工"}},
        ],
    }
    nps = {"id": "q_nps", "kind": "recommend10", "text": {"zh": "您向朋友推荐本单位的可能性"}}
    return msgspec.convert(
        {
            "owner_unit_id": owner,
            "title": {"zh": "创先争优“五个好”满意度测评", "en": "“Five goods” satisfaction survey"},
            "access": "open",
            "questions": [*likert, group, nps],
        },
        NewSurvey,
    )


def _answers(rng: random.Random, cycle: int) -> dict[str, Any]:
    better = 0.06 * cycle  # each cycle a little more satisfied
    weights = [0.45 + better, 0.35, 0.15 - better / 2, 0.05 - better / 4]
    likert = ["satisfied", "basically_satisfied", "dissatisfied", "unknown"]
    out: dict[str, Any] = {q: rng.choices(likert, weights)[0] for q, _, _ in QUESTIONS}
    out["q_group"] = rng.choices(["youth", "women", "staff"], [0.3, 0.35, 0.35])[0]
    out["q_nps"] = min(10, max(0, round(rng.gauss(7 + cycle * 0.3, 2))))
    return out


async def load_surveys(store: EventStore, state: Any, now: datetime, unit_id: Any, actor: str) -> int:
    """Publish, answer and close the four cycles; returns the answers taken by this run."""
    if not await _caught_up(store, ["unit_tree"]):  # publishing snapshots the unit tree
        log.warning("demo surveys skipped: no projection runner is keeping unit_tree current")
        return 0
    secret = await service_secret(state)
    survey_id = str(uuid.uuid5(NS, "survey"))
    body = _definition(unit_id("bureau"))
    create = CreateSurvey(
        survey_id=survey_id, owner_unit_id=body.owner_unit_id, definition=body.to_definition()
    )
    await handle(store, create, command_id=uuid.uuid5(NS, "create"), actor=actor, secret=secret)
    manifest = PrivacyManifest(
        k=5, comment_threshold=10, segment_questions=("q_group",), release_after_minutes=360
    )
    taken = 0
    for cycle, months in enumerate(CYCLES, 1):
        opened = now - timedelta(days=30 * months)
        publish = PublishSurvey(survey_id=survey_id, manifest=manifest, units=(), now=opened)
        await handle(
            store, publish, command_id=uuid.uuid5(NS, f"publish:{cycle}"), actor=actor, secret=secret
        )
        taken += await _answer_cycle(store, secret, survey_id, cycle, opened, unit_id)
        close = CloseSurvey(survey_id=survey_id, now=opened + timedelta(days=14))
        await handle(store, close, command_id=uuid.uuid5(NS, f"close:{cycle}"), actor=actor, secret=secret)
    return taken


async def _answer_cycle(
    store: EventStore, secret: bytes, survey_id: str, cycle: int, opened: datetime, unit_id: Any
) -> int:
    await _caught_up(store, ["survey_catalogue"])  # the intake reads the published form there
    forms.forget(survey_id)  # the form of this cycle, not a cached earlier one
    form = await forms.published_form(store.pool, survey_id)
    if form.status != "published" or form.cycle != cycle:
        return 0  # loaded before: this cycle is closed already
    rng = random.Random(f"demo-survey-{cycle}")
    batch = []
    for key, _, _, kind, headcount in UNITS:
        if kind not in ANSWERING:
            continue
        for n in range(max(5, round(headcount * (0.6 + 0.05 * cycle)))):
            values, _ = validate(form.definition, _answers(rng, cycle))
            batch.append(
                Submission(
                    survey_id=survey_id,
                    cycle=cycle,
                    sid_hash=keys.submission_hash(secret, survey_id, f"demo-{cycle}-{key}-{n}"),
                    sealed=keys.seal(secret, msgspec.json.encode(values)),
                    unit_id=unit_id(key),
                    code_hash=None,
                    minute=(opened + timedelta(days=1 + n % 10)).replace(second=0, microsecond=0),
                )
            )
    results = await commit_batch(store.pool, batch)
    return sum(1 for outcome, _ in results if outcome == "accepted")
