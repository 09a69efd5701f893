"""CSV and XLSX downloads of the tables leaders see. The rows come from the same queries as
the JSON endpoints (so the same scoping and suppression apply); only the format differs.

XLSX through xlsxwriter (a maintained library), CSV with a UTF-8 BOM so that Excel on a
Chinese Windows opens it without garbling.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter
from litestar import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never let a spreadsheet run a cell as a formula
    return value


def table(fmt: str, name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response[bytes]:
    """A download of `rows` under `header` as `fmt` ("csv" or "xlsx"), named `name`."""
    body = _csv(header, rows) if fmt == "csv" else _xlsx(header, rows)
    media = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
    disposition = f'attachment; filename="{name}.{fmt}"'
    return Response(
        body, media_type=media, headers={"Content-Disposition": disposition, "Cache-Control": "no-store"}
    )


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode()


def _xlsx(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet()
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, list(header), bold)
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, [_cell(v) for v in row])
    book.close()
    return out.getvalue()
