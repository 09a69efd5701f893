"""Ballot accounting, response rates and free text of a cycle, per unit of a subtree.

Ballot accounting is exact (the 民主测评 rule: more ballots back than issued voids the
count): issued and recorded come from the ballot_accounting projection, redeemed and
waiting from the intake tables, where they happen. Counts of people are not answers and
are shown as they are; free text only from units with at least the comment threshold.
"""

from __future__ import annotations

import asyncpg
import msgspec

from services.surveys.results.cycle import Cycle

_NOT_COUNTED_BELOW = ("union", "league", "women")  # members already counted where they work


class BallotRow(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: str
    name: str
    issued: int
    redeemed: int
    waiting: int  # in the mixing pool, not yet released
    recorded: int
    consistent: bool  # recorded ≤ redeemed ≤ issued (for invitation codes)


async def ballot_accounting(pool: asyncpg.Pool, c: Cycle, unit_id: str, coded: bool) -> list[BallotRow]:
    rows = await pool.fetch(
        """SELECT u.unit_id, u.name,
                  coalesce(b.issued, 0) AS issued, coalesce(b.answers, 0) AS recorded,
                  (SELECT count(*) FROM survey_codes s WHERE s.survey_id = $1 AND s.cycle = $2
                      AND s.unit_id = u.unit_id AND s.redeemed) AS redeemed,
                  (SELECT count(*) FROM survey_pool p WHERE p.survey_id = $1 AND p.cycle = $2
                      AND p.unit_id = u.unit_id) AS waiting
             FROM survey_units u
             LEFT JOIN ballot_accounting b USING (survey_id, cycle, unit_id)
            WHERE u.survey_id = $1 AND u.cycle = $2 AND u.path @> ARRAY[$3]
            ORDER BY u.path""",
        c.survey_id,
        c.cycle,
        unit_id,
    )
    return [
        BallotRow(
            unit_id=r["unit_id"],
            name=r["name"],
            issued=r["issued"],
            redeemed=r["redeemed"],
            waiting=r["waiting"],
            recorded=r["recorded"],
            consistent=not coded or r["recorded"] <= r["redeemed"] <= r["issued"],
        )
        for r in rows
    ]


class RateRow(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: str
    name: str
    respondents: int
    headcount: int
    codes_issued: int
    of_headcount: float | None
    of_codes: float | None


async def response_rates(pool: asyncpg.Pool, c: Cycle, unit_id: str) -> list[RateRow]:
    targets = [c.unit(unit_id), *c.children(unit_id)]
    out = []
    for u in targets:
        below = [x for x in c.units.values() if u.unit_id in x.path]
        heads = sum(x.headcount for x in below if x.unit_id == u.unit_id or x.kind not in _NOT_COUNTED_BELOW)
        row = await pool.fetchrow(
            """SELECT (SELECT respondents FROM satisfaction_by_unit WHERE survey_id = $1 AND cycle = $2
                         AND unit_id = $3 AND seg_q = '' AND seg_v = '') AS n,
                      (SELECT sum(issued) FROM ballot_accounting WHERE survey_id = $1 AND cycle = $2
                         AND unit_id = ANY($4)) AS issued""",
            c.survey_id,
            c.cycle,
            u.unit_id,
            [x.unit_id for x in below],
        )
        assert row is not None  # a SELECT of two sub-selects always returns its one row
        n, issued = int(row["n"] or 0), int(row["issued"] or 0)
        out.append(
            RateRow(
                unit_id=u.unit_id,
                name=u.name,
                respondents=n,
                headcount=heads,
                codes_issued=issued,
                of_headcount=round(n / heads, 3) if heads else None,
                of_codes=round(n / issued, 3) if issued else None,
            )
        )
    return out


class FreeText(msgspec.Struct, frozen=True, kw_only=True):
    unit_id: str
    name: str
    question_id: str
    texts: list[str]


async def free_text(pool: asyncpg.Pool, c: Cycle, unit_id: str) -> list[FreeText]:
    rows = await pool.fetch(
        """WITH r AS (
               SELECT u.unit_id, u.parent_id, coalesce(s.respondents, 0) AS n FROM survey_units u
                 LEFT JOIN satisfaction_by_unit s ON s.survey_id = u.survey_id AND s.cycle = u.cycle
                      AND s.unit_id = u.unit_id AND s.seg_q = '' AND s.seg_v = ''
                WHERE u.survey_id = $1 AND u.cycle = $2 AND u.path @> ARRAY[$3]),
           own AS (SELECT r.unit_id,
                           r.n - coalesce((SELECT sum(x.n) FROM r x WHERE x.parent_id = r.unit_id), 0) AS n
                     FROM r)
           SELECT t.unit_id, t.question_id, array_agg(t.text ORDER BY t.answer_id) AS texts
             FROM survey_free_text t JOIN own USING (unit_id)
            WHERE t.survey_id = $1 AND t.cycle = $2 AND own.n >= $4
            GROUP BY t.unit_id, t.question_id ORDER BY t.unit_id, t.question_id""",
        c.survey_id,
        c.cycle,
        unit_id,
        c.manifest.comment_threshold,
    )
    return [
        FreeText(
            unit_id=r["unit_id"],
            name=c.units[r["unit_id"]].name,
            question_id=r["question_id"],
            texts=list(r["texts"]),
        )
        for r in rows
    ]
