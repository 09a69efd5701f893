"""Response, resolution and satisfaction rates per unit (its whole subtree) and period,
with the formula and the counts beside every rate; and the monthly ranking of units.

Periods are the month a case was raised (Asia/Shanghai), "2026-03"; a range is inclusive.
Ranking: only units with at least `ranking_min_rated` rated cases in the month are ranked
(smaller denominators swing too much), ordered by the composite score; the Wilson lower
bound (95 %) of the satisfaction rate is shown beside it and breaks ties.
"""

from __future__ import annotations

import math
from datetime import datetime

import asyncpg
import msgspec

from services.cases.policy import DEFAULT_POLICY, Policy

FORMULAS = {
    "response": "响应率 = 按时响应 ÷ 已受理（不含不予受理、合并、响应前撤回）",
    "resolution": "解决率 = 评价为已解决 ÷ 已评价",
    "satisfaction": "满意率 = (满意 + {w:g}×基本满意) ÷ 已评价（未评价不计为满意）",
    "on_time": "按期办结率 = 期限内办结 ÷ 已办结",
    "return": "回退率 = 被回退过 ÷ 已交办",
    "redo": "重办率 = 重办过 ÷ 已办结",
    "ranking": "至少 {m} 件已评价方参与排名；按综合得分排序，满意率 Wilson 下限并列时区分",
}


class Rate(msgspec.Struct, frozen=True):
    value: float | None  # None when the denominator is 0
    numerator: float
    denominator: int
    formula: str


class UnitRates(msgspec.Struct, frozen=True):
    unit_id: str
    unit_name: str
    period_from: str
    period_to: str
    response_rate: Rate  # 响应率
    resolution_rate: Rate  # 解决率
    satisfaction_rate: Rate  # 满意率
    on_time_resolution: Rate
    return_rate: Rate  # 回退率
    redo_rate: Rate  # 重办率
    composite: float | None
    breaches: int
    open_cases: int
    aging: dict[str, int]  # open cases by age in days: 0-2, 3-7, 8-15, >15
    response_hours: dict[str, float | None]  # median, p90 (working hours)
    resolution_hours: dict[str, float | None]
    satisfaction_wilson_lower: float | None


_SQL = """
SELECT count(*) FILTER (WHERE counts_for_response) AS accepted,
       count(*) FILTER (WHERE counts_for_response AND responded_in_time) AS responded_in_time,
       count(*) FILTER (WHERE rated) AS rated,
       count(*) FILTER (WHERE rated AND solved) AS solved,
       count(*) FILTER (WHERE rated AND satisfaction = 'satisfied') AS satisfied,
       count(*) FILTER (WHERE rated AND satisfaction = 'basically_satisfied') AS basic,
       count(*) FILTER (WHERE resolved OR reopened) AS resolved,
       count(*) FILTER (WHERE resolved AND resolved_on_time) AS on_time,
       count(*) FILTER (WHERE assigned) AS assigned,
       count(*) FILTER (WHERE returned) AS returned,
       count(*) FILTER (WHERE reopened) AS reopened,
       coalesce(sum(breaches), 0) AS breaches,
       count(*) FILTER (WHERE status IN ('submitted','accepted','assigned','in_progress','waiting','answered')
                        ) AS open_cases,
       count(*) FILTER (WHERE open_age BETWEEN 0 AND 2) AS age_0_2,
       count(*) FILTER (WHERE open_age BETWEEN 3 AND 7) AS age_3_7,
       count(*) FILTER (WHERE open_age BETWEEN 8 AND 15) AS age_8_15,
       count(*) FILTER (WHERE open_age > 15) AS age_over_15,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY response_hours) AS resp_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY response_hours) AS resp_p90,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY resolution_hours) AS res_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY resolution_hours) AS res_p90
  FROM (SELECT r.*, CASE WHEN r.status IN ('submitted','accepted','assigned','in_progress','waiting',
                                           'answered')
                         THEN extract(day FROM $4 - r.submitted_at)::int END AS open_age
          FROM resolution_rates r JOIN unit_tree u ON u.unit_id = r.unit_id
         WHERE u.path @> ARRAY[$1] AND r.period BETWEEN $2 AND $3) facts
"""


def rate(num: float, den: int, formula: str) -> Rate:
    return Rate(
        value=None if den == 0 else round(num / den, 4), numerator=num, denominator=den, formula=formula
    )


def wilson_lower(successes: float, n: int, z: float = 1.96) -> float | None:
    if n == 0:
        return None
    p = successes / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return round((centre - margin) / (1 + z * z / n), 4)


async def resolution_rates(
    pool: asyncpg.Pool,
    unit_id: str,
    unit_name: str,
    period_from: str,
    period_to: str,
    now: datetime,
    policy: Policy = DEFAULT_POLICY,
) -> UnitRates:
    r = await pool.fetchrow(_SQL, unit_id, period_from, period_to, now)
    assert r is not None
    w = policy.satisfied_weight_basic
    satisfied = r["satisfied"] + w * r["basic"]
    response = rate(r["responded_in_time"], r["accepted"], FORMULAS["response"])
    resolution = rate(r["solved"], r["rated"], FORMULAS["resolution"])
    satisfaction = rate(satisfied, r["rated"], FORMULAS["satisfaction"].format(w=w))
    parts = (response.value, resolution.value, satisfaction.value)
    composite = (
        None
        if any(p is None for p in parts)
        else round(sum(k * p for k, p in zip(policy.composite, parts, strict=True)), 4)
    )  # type: ignore[misc]
    return UnitRates(
        unit_id=unit_id,
        unit_name=unit_name,
        period_from=period_from,
        period_to=period_to,
        response_rate=response,
        resolution_rate=resolution,
        satisfaction_rate=satisfaction,
        on_time_resolution=rate(r["on_time"], r["resolved"], FORMULAS["on_time"]),
        return_rate=rate(r["returned"], r["assigned"], FORMULAS["return"]),
        redo_rate=rate(r["reopened"], r["resolved"], FORMULAS["redo"]),
        composite=composite,
        breaches=r["breaches"],
        open_cases=r["open_cases"],
        aging={"0-2": r["age_0_2"], "3-7": r["age_3_7"], "8-15": r["age_8_15"], ">15": r["age_over_15"]},
        response_hours={"median": _h(r["resp_p50"]), "p90": _h(r["resp_p90"])},
        resolution_hours={"median": _h(r["res_p50"]), "p90": _h(r["res_p90"])},
        satisfaction_wilson_lower=wilson_lower(satisfied, r["rated"]),
    )


def _h(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


class RankingRow(msgspec.Struct, frozen=True):
    rank: int
    unit_id: str
    unit_name: str
    rated: int
    composite: float | None
    satisfaction_wilson_lower: float | None


class Ranking(msgspec.Struct, frozen=True):
    period: str
    min_rated: int
    red: list[RankingRow]  # 红榜: best first
    black: list[RankingRow]  # 黑榜: worst first
    unranked: list[str]  # units below the minimum of rated cases
    rule: str


async def unit_ranking(
    pool: asyncpg.Pool,
    parent_id: str,
    period: str,
    now: datetime,
    policy: Policy = DEFAULT_POLICY,
    size: int = 5,
) -> Ranking:
    children = await pool.fetch(
        "SELECT unit_id, name FROM unit_tree WHERE parent_id = $1 AND NOT closed ORDER BY name", parent_id
    )
    scored, unranked = [], []
    for child in children:
        rates = await resolution_rates(pool, child["unit_id"], child["name"], period, period, now, policy)
        if rates.satisfaction_rate.denominator >= policy.ranking_min_rated and rates.composite is not None:
            scored.append(rates)
        else:
            unranked.append(child["unit_id"])
    scored.sort(key=lambda u: (u.composite or 0, u.satisfaction_wilson_lower or 0), reverse=True)
    rows = [
        RankingRow(
            rank=i + 1,
            unit_id=u.unit_id,
            unit_name=u.unit_name,
            rated=u.satisfaction_rate.denominator,
            composite=u.composite,
            satisfaction_wilson_lower=u.satisfaction_wilson_lower,
        )
        for i, u in enumerate(scored)
    ]
    return Ranking(
        period=period,
        min_rated=policy.ranking_min_rated,
        red=rows[:size],
        black=list(reversed(rows))[:size],
        unranked=unranked,
        rule=FORMULAS["ranking"].format(m=policy.ranking_min_rated),
    )
