"""`qunsheng survey create FILE.yaml`: create a survey (and optionally publish it) from a file.

The file holds what the API's create body holds, plus `publish:` with a privacy manifest
to publish at once. Example:

    owner_unit_id: 1f0c…            # the unit that owns the survey
    title: {zh: 2026年满意度测评, en: 2026 satisfaction survey}
    access: code                     # or open
    questions:
      - {id: q1, kind: likert, dimension: members, required: true, text: {zh: 对工会成员的满意度}}
      - {id: grp, kind: single, text: {zh: 您属于}, options: [{id: youth, text: {zh: 青年}}]}
    publish: {k: 5, comment_threshold: 10, segment_questions: [grp]}
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import msgspec
import yaml

from events.store import EventStore
from events.surveys import PrivacyManifest
from services.access.keys import service_secret
from services.settings import Settings
from services.surveys.bodies import ManifestIn, NewSurvey
from services.surveys.commands import CreateSurvey, PublishSurvey
from services.surveys.handle import handle

ACTOR = "operator-cli"  # events from the operator's command line name this actor


def read_file(path: Path) -> tuple[NewSurvey, ManifestIn | None]:
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("the file must hold a mapping")
        publish = data.pop("publish", None)
        survey = msgspec.convert(data, NewSurvey)
        return survey, None if publish is None else msgspec.convert(publish, ManifestIn)
    except (yaml.YAMLError, msgspec.ValidationError) as exc:
        raise ValueError(f"{path}: {exc}") from None


async def create_from_file(
    store: EventStore, settings: Settings, path: Path, now: datetime
) -> tuple[str, int]:
    """Returns (survey id, cycle published or 0). Creating twice from one file makes two surveys."""
    body, manifest = read_file(path)
    secret = await service_secret(
        SimpleNamespace(settings=settings, resources=SimpleNamespace(pool=store.pool))
    )
    command_id = uuid.uuid4()
    survey_id = str(uuid.uuid5(command_id, "survey"))
    create = CreateSurvey(
        survey_id=survey_id, owner_unit_id=body.owner_unit_id, definition=body.to_definition()
    )
    await handle(store, create, command_id=command_id, actor=ACTOR, secret=secret)
    if manifest is None:
        return survey_id, 0
    privacy = PrivacyManifest(
        k=manifest.k,
        comment_threshold=manifest.comment_threshold,
        segment_questions=tuple(manifest.segment_questions),
        release_after_minutes=manifest.release_after_minutes,
    )
    publish = PublishSurvey(survey_id=survey_id, manifest=privacy, units=(), now=now)
    await handle(store, publish, command_id=uuid.uuid4(), actor=ACTOR, secret=secret)
    return survey_id, 1
