"""Exports: every results table as rows, written as CSV or XLSX. The rows come from the
same query functions as the JSON endpoints, after disclosure control, so an export can't
show what the screen suppresses."""

from __future__ import annotations

import csv
import io
from typing import Any

import xlsxwriter

from services.surveys.results.accounting import BallotRow, FreeText, RateRow
from services.surveys.results.queries import Cell, Results
from services.surveys.results.trend import Heatmap, TrendPoint

Table = tuple[list[str], list[list[Any]]]
SUPPRESSED = "suppressed"


def _score(s: Any) -> Any:
    return "" if s is None or s.score is None else s.score


def results_table(r: Results) -> Table:
    dims = sorted({d for c in [r.total, *r.children] for d in c.dimensions})
    header = ["unit_or_group", "label", "respondents", "overall_score", "favourable", *dims]
    cells: list[tuple[str, Cell]] = [("total", r.total)] + [("child", c) for c in r.children]
    cells += [(f"segment:{q}", c) for q, cs in r.segments.items() for c in cs]
    rows: list[list[Any]] = []
    for kind, c in cells:
        if c.suppressed:
            rows.append(
                [f"{kind}:{c.key}", c.label, SUPPRESSED, SUPPRESSED, SUPPRESSED, *[SUPPRESSED] * len(dims)]
            )
        else:
            fav = "" if c.overall is None or c.overall.favourable is None else c.overall.favourable
            rows.append(
                [
                    f"{kind}:{c.key}",
                    c.label,
                    c.respondents,
                    _score(c.overall),
                    fav,
                    *[_score(c.dimensions.get(d)) for d in dims],
                ]
            )
    return header, rows


def heatmap_table(h: Heatmap) -> Table:
    rows = [
        [
            r.key,
            r.label,
            SUPPRESSED if r.suppressed else r.respondents,
            *[SUPPRESSED if r.suppressed else _score(r.dimensions.get(d)) for d in h.dimensions],
        ]
        for r in h.rows
    ]
    return ["unit", "label", "respondents", *h.dimensions], rows


def trend_table(points: list[TrendPoint]) -> Table:
    rows = [
        [
            p.cycle,
            p.published_at,
            p.score_version,
            p.definition_changed,
            SUPPRESSED if p.suppressed else p.respondents,
            SUPPRESSED if p.suppressed else _score(p.overall),
        ]
        for p in points
    ]
    return [
        "cycle",
        "published_at",
        "score_version",
        "definition_changed",
        "respondents",
        "overall_score",
    ], rows


def rates_table(rows: list[RateRow]) -> Table:
    return (
        ["unit", "name", "respondents", "headcount", "codes_issued", "of_headcount", "of_codes"],
        [
            [r.unit_id, r.name, r.respondents, r.headcount, r.codes_issued, r.of_headcount, r.of_codes]
            for r in rows
        ],
    )


def ballots_table(rows: list[BallotRow]) -> Table:
    return (
        ["unit", "name", "issued", "redeemed", "waiting", "recorded", "consistent"],
        [[r.unit_id, r.name, r.issued, r.redeemed, r.waiting, r.recorded, r.consistent] for r in rows],
    )


def free_text_table(rows: list[FreeText]) -> Table:
    return ["unit", "name", "question", "text"], [
        [r.unit_id, r.name, r.question_id, t] for r in rows for t in r.texts
    ]


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table[0])
    writer.writerows([_safe(v) for v in row] for row in table[1])
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the Chinese right


def to_xlsx(table: Table, sheet: str) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    ws = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True})
    ws.write_row(0, 0, table[0], bold)
    for i, row in enumerate(table[1], start=1):
        ws.write_row(i, 0, ["" if v is None else v for v in row])
    book.close()
    return out.getvalue()


def _safe(value: Any) -> Any:
    """Spreadsheet formula injection: a text starting with = + - @ is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value
