"""Bad input for every question type: refused with the reasons, nothing returned to store."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from events.surveys import Definition, Option, Question, Text
from services.surveys.intake.validate import InvalidAnswer, sealed_size, validate
from services.surveys.model import FIVE_GOODS

pytestmark = pytest.mark.unit
OPTS = (Option(id="a", text=Text(zh="甲")), Option(id="b", text=Text(zh="乙")))
DEF = Definition(
    title=Text(zh="t"),
    dimensions=FIVE_GOODS,
    questions=(
        Question(id="lik", kind="likert", text=Text(zh="x"), required=True),
        Question(id="r5", kind="rating5", text=Text(zh="x")),
        Question(id="r10", kind="recommend10", text=Text(zh="x")),
        Question(id="one", kind="single", text=Text(zh="x"), options=OPTS),
        Question(id="many", kind="multiple", text=Text(zh="x"), options=OPTS),
        Question(id="txt", kind="text", text=Text(zh="x"), max_length=10),
    ),
)


def refused(answers: dict[str, Any], raised: tuple[str, ...] = ()) -> list[dict[str, str]]:
    with pytest.raises(InvalidAnswer) as caught:
        validate(DEF, answers, raised)
    assert caught.value.status == 422
    return list(caught.value.extra["errors"])


def test_valid_answer_of_every_type_is_kept_and_cleaned() -> None:
    values, raised = validate(
        DEF, {"lik": "unknown", "r5": 1, "r10": 10, "one": "b", "many": ["b", "a"], "txt": " 好 "}
    )
    assert values == {"lik": "unknown", "r5": 1, "r10": 10, "one": "b", "many": ["a", "b"], "txt": "好"}
    assert raised == {}


@pytest.mark.parametrize(
    ("qid", "value"),
    [
        ("lik", "very"),
        ("lik", 1),
        ("r5", 0),
        ("r5", 6),
        ("r5", "5"),
        ("r5", True),
        ("r5", 4.5),
        ("r10", -1),
        ("r10", 11),
        ("one", "c"),
        ("one", ["a"]),
        ("many", []),
        ("many", ["a", "a"]),
        ("many", ["z"]),
        ("many", "a"),
        ("txt", 5),
        ("txt", "x" * 11),
        ("txt", "   "),
        ("txt", "a\u200bb"),
        ("txt", "\u202eabc"),
        ("txt", "\u2066x"),
        ("txt", "<script>x"),
        ("txt", "a\x00b"),
    ],
)
def test_wrong_value_is_refused_with_its_question(qid: str, value: Any) -> None:
    errors = refused({"lik": "satisfied", qid: value})
    assert [e["question_id"] for e in errors] == [qid]


def test_unknown_question_is_refused() -> None:
    assert refused({"lik": "satisfied", "nope": 1}) == [{"question_id": "nope", "reason": "unknown question"}]


def test_missing_required_answer_is_refused() -> None:
    assert refused({"r5": 3}) == [{"question_id": "lik", "reason": "required"}]


def test_raised_text_leaves_the_answer() -> None:
    values, raised = validate(DEF, {"lik": "satisfied", "txt": "食堂太贵"}, ("txt",))
    assert "txt" not in values and raised == {"txt": "食堂太贵"}


def test_raising_a_question_that_is_not_answered_text_is_refused() -> None:
    assert refused({"lik": "satisfied"}, ("lik",))[0]["question_id"] == "lik"


@pytest.mark.parametrize("widest", ["𠀀", "😀", '"', "\\", "\n", "\t", "\u2028", "中"])
def test_sealed_size_bounds_the_longest_possible_answer(widest: str) -> None:
    """Every answer of a version seals to one length only if none encodes longer than the
    bound: the widest characters a text may hold (4-byte UTF-8, 2-byte escapes) at its cap."""
    longest = {
        "lik": "basically_satisfied",
        "r5": 5,
        "r10": 10,
        "one": "a",
        "many": ["a", "b"],
        "txt": "x" + widest * 8 + "x",  # inside the text: leading and trailing blanks are stripped
    }
    values, _ = validate(DEF, longest)
    assert len(msgspec.json.encode(values)) <= sealed_size(DEF)
    assert len(values["txt"]) == 10  # at the cap, so the bound is tight for this character
