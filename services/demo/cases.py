"""The demo's cases: a year of problems raised in the bureau and its school, worked by the
demo handlers through the cases slice's own commands, with times spread over the months.

Idempotent like the rest of the demo: a case already raised (found by its text and unit)
is not raised again, and every later step's command id derives from the case's number.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from events.store import EventStore
from services.cases import commands as c
from services.cases.commands import AnyCommand
from services.cases.handle import carry_out
from services.cases.submit import submit_case

NS = uuid.UUID("8d1e6f0a-4b7c-4f3e-9a51-2c7d0e9b3a12")

# months ago, unit key, kind, text, how far it got
CASES: list[tuple[int, str, str, str, str]] = [
    (11, "school-union", "rights_request", "希望落实教职工每年一次健康体检", "satisfied"),
    (11, "bureau-union", "suggestion", "机关食堂午餐排队时间过长，建议增加窗口", "satisfied"),
    (10, "school-women", "rights_request", "女教职工哺乳期课时安排没有照顾", "basically_satisfied"),
    (10, "extension", "suggestion", "田间试验组下乡交通补贴发放不及时", "satisfied"),
    (9, "school-league", "suggestion", "青年教师希望多组织教学技能比赛", "satisfied"),
    (9, "school-union", "sentiment", "部分教师对职称评审结果有议论", "dissatisfied"),
    (8, "bureau-union", "rights_request", "加班调休记录不清楚，希望公开", "basically_satisfied"),
    (7, "school-women", "suggestion", "建议开设女职工心理健康讲座", "satisfied"),
    (7, "extension", "rights_request", "高温天气下田间作业没有防暑用品", "satisfied"),
    (6, "school-league", "sentiment", "学生对宿舍热水供应时间不满", "basically_satisfied"),
    (5, "school-union", "suggestion", "教职工活动室设备老旧需要更新", "satisfied"),
    (4, "bureau-union", "suggestion", "建议机关工会组织春季健步走", "satisfied"),
    (3, "school-union", "rights_request", "临聘人员工资发放晚于正式职工", "dissatisfied"),
    (2, "extension", "suggestion", "推广站档案室需要除湿设备", "resolved"),
    (1, "school-women", "rights_request", "三八节慰问品发放标准不统一", "answered"),
    (1, "school-league", "suggestion", "团员活动经费报销流程太长", "in_progress"),
    (0, "school-union", "rights_request", "食堂饭菜价格上涨没有公示", "accepted"),
    (0, "bureau-union", "sentiment", "机关停车位分配引起不满", "submitted"),
]
HANDLERS = {  # unit key → demo login working its cases
    "school-union": "school.union",
    "bureau-union": "union",
    "school-women": "school.women",
    "school-league": "school.league",
    "extension": "extension",
}
STAGES = ["submitted", "accepted", "in_progress", "answered", "resolved", "rated"]


class _At:
    """The clock the cases slice reads, set to the moment a demo step happened."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


class _Ids:
    def __init__(self, n: int) -> None:
        self.n, self.k = n, 0

    def new(self) -> uuid.UUID:
        self.k += 1
        return uuid.uuid5(NS, f"case:{self.n}:id:{self.k}")


async def load_cases(store: EventStore, state: Any, now: datetime, unit_id: Any, account_id: Any) -> int:
    """Raise and work the demo cases; returns how many were raised by this run."""
    raised = 0
    for n, (months, unit, kind, text, outcome) in enumerate(CASES):
        start = now - timedelta(days=30 * months + 9 - n % 7)
        case_id = await _existing(store, unit_id(unit), text)
        if case_id is None:
            res = state.resources
            done = await submit_case(
                res, _At(start), _Ids(n), kind=kind, unit_id=unit_id(unit), text=text, state=state
            )
            case_id, raised = done.case_id, raised + 1
        await _work(store, n, case_id, unit_id(unit), account_id(HANDLERS[unit]), start, outcome)
    return raised


async def _existing(store: EventStore, unit: str, text: str) -> str | None:
    stream = await store.pool.fetchval(
        """SELECT stream_id FROM events WHERE type = 'CaseSubmitted'
            AND data->>'unit_id' = $1 AND data->>'text' = $2 LIMIT 1""",
        unit,
        text,
    )
    return None if stream is None else str(stream).removeprefix("case-")


async def _work(
    store: EventStore, n: int, case_id: str, unit: str, handler: str, start: datetime, outcome: str
) -> None:
    rated = outcome in ("satisfied", "basically_satisfied", "dissatisfied")
    reached = STAGES.index("rated" if rated else outcome)
    steps: list[tuple[int, str | None, AnyCommand, int]] = [  # day, actor, command, stage
        (1, handler, c.AcceptCase(), 1),
        (1, handler, c.AssignCase(unit_id=unit, note="请本单位办理"), 2),
        (2, handler, c.SignForCase(), 2),
        (5, handler, c.AnswerCase(text="已与相关部门沟通，正在落实。"), 3),
        (7, handler, c.ResolveCase(summary="已落实并回复。"), 4),
    ]
    if rated:
        solved = outcome != "dissatisfied"
        steps.append((9, None, c.RateCase(solved=solved, satisfaction=outcome), 5))  # type: ignore[arg-type]
    for day, actor, command, stage in steps:
        if stage > reached:
            break
        await carry_out(
            store,
            case_id,
            command,
            command_id=uuid.uuid5(NS, f"case:{n}:step:{type(command).__name__}"),
            actor=actor,
            now=start + timedelta(days=day),
        )
