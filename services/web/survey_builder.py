"""The survey builder's form → the surveys slice's own request body (NewSurvey), converted
strictly, so the builder can never make what the API would refuse."""

from __future__ import annotations

from typing import Any

import msgspec

from services.surveys.bodies import NewSurvey
from services.web.forms import BadForm

MAX_ROWS = 100


def _one(raw: dict[str, list[str]], key: str) -> str:
    return (raw.get(key) or [""])[-1].strip()


def _text(raw: dict[str, list[str]], prefix: str) -> dict[str, str]:
    return {"zh": _one(raw, prefix + "_zh"), "en": _one(raw, prefix + "_en")}


def _options(lines: str) -> list[dict[str, Any]]:
    out = []
    for n, line in enumerate(x for x in lines.splitlines() if x.strip()):
        zh, _, en = line.partition("|")
        out.append({"id": f"o{n + 1}", "text": {"zh": zh.strip(), "en": en.strip()}})
    return out


def _dimensions(lines: str) -> list[dict[str, Any]] | None:
    """'id | 中文 | English' per line; empty: the default 五个好."""
    dims = []
    for line in (x for x in lines.splitlines() if x.strip()):
        parts = [p.strip() for p in line.split("|")] + ["", ""]
        dims.append({"id": parts[0], "text": {"zh": parts[1] or parts[0], "en": parts[2]}})
    return dims or None


def survey_body(raw: dict[str, list[str]]) -> NewSurvey:
    questions = []
    for i in range(1, MAX_ROWS + 1):
        text = _text(raw, f"q{i}_text")
        if not text["zh"]:
            continue
        kind = _one(raw, f"q{i}_kind") or "likert"
        questions.append(
            {
                "id": f"q{i}",
                "kind": kind,
                "text": text,
                "dimension": _one(raw, f"q{i}_dimension") or None,
                "required": _one(raw, f"q{i}_required") == "on",
                "options": _options((raw.get(f"q{i}_options") or [""])[-1])
                if kind in ("single", "multiple")
                else [],
            }
        )
    body = {
        "owner_unit_id": _one(raw, "owner_unit_id"),
        "title": _text(raw, "title"),
        "access": _one(raw, "access") or "open",
        "questions": questions,
        "dimensions": _dimensions((raw.get("dimensions") or [""])[-1]),
    }
    try:
        return msgspec.convert(body, NewSurvey)
    except msgspec.ValidationError as exc:
        raise BadForm(str(exc)) from None
