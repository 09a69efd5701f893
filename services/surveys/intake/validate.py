"""Strict validation of one answer against the published version: pure, no I/O.

Refused outright (422, nothing stored): unknown question ids, wrong types, values off the
scale, missing required answers, text over its cap, and text carrying invisible or
direction-changing characters or markup — those are how a respondent's text gets spoofed
or turns into a stored script on a leader's screen.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from events.answers import Value
from events.surveys import Definition, Question
from services.problems import Problem
from services.surveys.model import LIKERT

# Zero-width and bidirectional controls, the BOM and other invisible format characters,
# and the control characters (Unicode category Cc) but newline and tab: one scan in C.
_INVISIBLE = re.compile(
    "[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\x00-\x08\x0b-\x1f\x7f-\x9f]"
)
_MARKUP = re.compile(r"<\s*[A-Za-z!/?]")


class InvalidAnswer(Problem):
    status, slug, title = 422, "invalid-answer", "The answer does not fit the survey"


def validate(
    definition: Definition, answers: dict[str, Any], raised: tuple[str, ...] = ()
) -> tuple[dict[str, Value], dict[str, str]]:
    """Return (values to record, free texts raised as problems). Raised texts leave the answer."""
    by_id = _questions(definition)
    errors = [{"question_id": q, "reason": "unknown question"} for q in answers if q not in by_id]
    errors += [
        {"question_id": q.id, "reason": "required"}
        for q in definition.questions
        if q.required and q.id not in answers
    ]
    values: dict[str, Value] = {}
    for qid, raw in answers.items():
        if qid in by_id:
            q = by_id[qid]
            value = _normalised(raw) if q.kind == "text" and isinstance(raw, str) else raw
            reason = _check(q, value)
            if reason:
                errors.append({"question_id": qid, "reason": reason})
            else:
                values[qid] = sorted(value) if q.kind == "multiple" else value
    for qid in raised:
        if qid not in by_id or by_id[qid].kind != "text" or qid not in values:
            errors.append({"question_id": qid, "reason": "only an answered free-text question can be raised"})
    if errors:
        raise InvalidAnswer(errors=errors)
    problems = {qid: str(values.pop(qid)) for qid in dict.fromkeys(raised)}
    return values, problems


def _check(q: Question, raw: Any) -> str | None:
    match q.kind:
        case "likert":
            ok = isinstance(raw, str) and raw in LIKERT
            return None if ok else f"one of {sorted(LIKERT)}"
        case "rating5":
            return None if _int_in(raw, 1, 5) else "a whole number from 1 to 5"
        case "recommend10":
            return None if _int_in(raw, 0, 10) else "a whole number from 0 to 10"
        case "single":
            return None if isinstance(raw, str) and raw in _options(q) else "one of the options"
        case "multiple":
            ok = isinstance(raw, list) and bool(raw) and len(set(raw)) == len(raw)
            ok = ok and all(isinstance(v, str) and v in _options(q) for v in raw)
            return None if ok else "a non-empty list of distinct options"
        case "text":
            return _text_problem(q, raw)
    return "unsupported question"


def _int_in(raw: Any, low: int, high: int) -> bool:
    return isinstance(raw, int) and not isinstance(raw, bool) and low <= raw <= high


def _options(q: Question) -> frozenset[str]:
    found = _option_sets.get(id(q))
    if found is None or found[0] is not q:
        found = _option_sets[id(q)] = (q, frozenset(o.id for o in q.options))
    return found[1]


# Intake validates every answer against one of a few published versions: index each once.
# Keyed by identity (the cached form keeps its Definition alive), the object kept beside it
# so a recycled id can't be mistaken for another definition.
_by_id: dict[int, tuple[Definition, dict[str, Question]]] = {}
_option_sets: dict[int, tuple[Question, frozenset[str]]] = {}


def _questions(definition: Definition) -> dict[str, Question]:
    found = _by_id.get(id(definition))
    if found is None or found[0] is not definition:
        if len(_by_id) > 256:
            _by_id.clear()
            _option_sets.clear()
        found = _by_id[id(definition)] = (definition, {q.id: q for q in definition.questions})
    return found[1]


def _normalised(raw: str) -> str:
    return unicodedata.normalize("NFC", raw).strip()  # what is kept of a free text


def _text_problem(q: Question, text: Any) -> str | None:
    """`text`: already normalised (_normalised) when it is a string."""
    if not isinstance(text, str):
        return "text"
    if not text:
        return "empty text; leave the question out instead"
    if len(text) > q.max_length:
        return f"at most {q.max_length} characters"
    if _INVISIBLE.search(text):
        return "invisible, control or direction-changing characters"
    if _MARKUP.search(text):
        return "markup is not accepted"
    return None


def sealed_size(definition: Definition, per_char: int = 4) -> int:
    """An upper bound of an answer's JSON encoding under `definition`: the padded size of
    every sealed answer of that version (see keys.seal). `per_char`: bytes a free-text
    character may take — 4 (UTF-8 unescaped, as msgspec writes it; the escapes of `"`, `\\`,
    newline and tab take 2; other control characters are refused); 6 for a cycle published
    before that bound was tightened, so its answers keep one length (survey_intake)."""
    found = _sizes.get((id(definition), per_char))
    if found is not None and found[0] is definition:
        return found[1]
    size = 2
    for q in definition.questions:
        size += len(q.id) * 4 + 8  # "id": and a comma, escapes included
        match q.kind:
            case "text":
                size += q.max_length * per_char + 2
            case "single" | "multiple":
                size += sum(len(o.id) * 4 + 3 for o in q.options) + 2
            case _:
                size += 24
    _sizes[(id(definition), per_char)] = (definition, size)
    return size


_sizes: dict[tuple[int, int], tuple[Definition, int]] = {}
