"""Rendering of query results as a rich table, JSON or CSV. No logic about the data itself."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from enum import Enum
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    import polars as pl


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def records(df: pl.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in df.to_dicts()]


def emit(df: pl.DataFrame, fmt: Format, table_columns: list[str] | None = None, title: str | None = None) -> None:
    if fmt is Format.json:
        sys.stdout.write(json.dumps(records(df), ensure_ascii=False, indent=2) + "\n")
    elif fmt is Format.csv:
        buf = io.StringIO()
        rows = records(df)
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(df.columns)
        for row in rows:
            writer.writerow(["|".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v) for v in row.values()])
        sys.stdout.write(buf.getvalue())
    else:
        cols = table_columns or df.columns
        table = Table(title=title, show_lines=False)
        for c in cols:
            table.add_column(c, overflow="fold")
        for row in records(df.select(cols)):
            table.add_row(*("" if v is None else ", ".join(map(str, v)) if isinstance(v, list) else str(v) for v in row.values()))
        # Piped tables (into less, tail, a file) are not cut at 80 columns.
        Console(width=None if sys.stdout.isatty() else 200).print(table)
