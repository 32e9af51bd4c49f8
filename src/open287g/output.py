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


def plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def records(df: pl.DataFrame) -> list[dict]:
    return [{k: plain(v) for k, v in row.items()} for row in df.to_dicts()]


def _cell(value):
    """A value as a CSV cell: lists joined with '|', nothing for None."""
    if isinstance(value, list):
        return "|".join(map(str, value))
    return "" if value is None else value


def csv_text(df: pl.DataFrame) -> str:
    """CSV with a header; lists joined with '|'."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(df.columns)
    for row in records(df):
        writer.writerow([_cell(v) for v in row.values()])
    return buf.getvalue()


def csv_records(rows: list[dict], columns) -> str:
    """CSV of plain records with the given header (also when there are none); lists joined with '|'."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(plain(row.get(c))) for c in columns])
    return buf.getvalue()


def _shown(value) -> str:
    """A value in a table cell: lists joined with ', ', nothing for None."""
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


def flat(obj: dict, prefix: str = "") -> dict:
    """Nested objects as one level: {"by_model": {"JEM": {"counties": 1}}} -> {"by_model_JEM_counties": 1}."""
    out = {}
    for k, v in obj.items():
        if isinstance(v, dict):
            out.update(flat(v, f"{prefix}{k}_"))
        else:
            out[f"{prefix}{k}"] = v
    return out


def profile_record(profile: dict) -> dict:
    """An agency profile (agency, agreements, events) as one JSON-ready object: the API's shape too."""
    return {
        **{k: plain(v) for k, v in profile["agency"].items()},
        "agreements": records(profile["agreements"]),
        "events": records(profile["events"]),
    }


def json_with(obj: dict, **members: str) -> str:
    """A JSON object: `obj` followed by members that are already JSON text (e.g. a list made by DuckDB)."""
    head = json.dumps(obj, ensure_ascii=False, default=str, separators=(",", ":"))
    tail = "".join(f",{json.dumps(k)}:{v}" for k, v in members.items())
    return head[:-1] + (tail if obj else tail[1:]) + "}"


def emit(df: pl.DataFrame, fmt: Format, table_columns: list[str] | None = None, title: str | None = None) -> None:
    if fmt is Format.json:
        sys.stdout.write(json.dumps(records(df), ensure_ascii=False, indent=2) + "\n")
    elif fmt is Format.csv:
        sys.stdout.write(csv_text(df))
    else:
        cols = table_columns or df.columns
        table = Table(title=title, show_lines=False)
        for c in cols:
            table.add_column(c, overflow="fold")
        for row in records(df.select(cols)):
            table.add_row(*(_shown(v) for v in row.values()))
        # Piped tables (into less, tail, a file) are not cut at 80 columns.
        Console(width=None if sys.stdout.isatty() else 200).print(table)


def emit_json(obj) -> None:
    """A nested answer as the API sends it (days as YYYY-MM-DD)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=plain) + "\n")


def emit_rows(rows: list[dict], columns, fmt: Format, table_columns: list[str] | None = None) -> None:
    """Plain records as the API gives them: a JSON list, the CSV twin (`columns`), or a table."""
    if fmt is Format.json:
        emit_json(rows)
    elif fmt is Format.csv:
        sys.stdout.write(csv_records(rows, columns))
    else:
        import polars

        frame = polars.DataFrame([{c: r.get(c) for c in columns} for r in rows]) if rows else None
        emit(frame if frame is not None else polars.DataFrame(schema=list(columns)), fmt, table_columns)


def emit_object(obj: dict, fmt: Format) -> None:
    """One record (e.g. counts): JSON object, a one-row CSV, or a two-column table."""
    if fmt is Format.json:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    cells = flat(obj)
    if fmt is Format.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(cells.keys())
        writer.writerow([_cell(v) for v in cells.values()])
        return
    table = Table(show_header=False)
    for k, v in cells.items():
        table.add_row(k, _shown(v))
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def emit_profile(profile: dict, fmt: Format) -> None:
    """An agency: its record, agreements and events. CSV prints the events (the history)."""
    if fmt is Format.json:
        sys.stdout.write(json.dumps(profile_record(profile), ensure_ascii=False, indent=2) + "\n")
    elif fmt is Format.csv:
        emit(profile["events"], fmt)
    else:
        a = profile["agency"]
        Console(width=None if sys.stdout.isatty() else 200).print(
            f"[bold]{a['name']}[/bold] ({a['agency_id']}) — {a['status']}; county {a['county'] or 'n/a'}; "
            f"names seen: {'; '.join(a['names'])}",
            highlight=False,
        )
        emit(
            profile["agreements"],
            fmt,
            ["agreement_id", "model", "signed", "status", "first_listed", "last_listed", "moa_url"],
            title="Agreements",
        )
        emit(
            profile["events"],
            fmt,
            ["date", "kind", "model", "agency_name", "signed", "previous_name", "previous_signed"],
            title="History",
        )


def emit_document(doc: dict, fmt: Format) -> None:
    """One MOA's fields: the JSON object, its signatures as CSV, or a summary and two tables."""
    import polars

    if fmt is Format.json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=plain) + "\n")
        return
    signatures = polars.DataFrame(doc["signatures"]) if doc["signatures"] else polars.DataFrame(schema=["party"])
    if fmt is Format.csv:
        emit(signatures, fmt)
        return
    console = Console(width=None if sys.stdout.isatty() else 200)
    console.print(
        f"[bold]{doc.get('agency') or '(agency not read)'}[/bold] ({doc.get('state') or '?'}) — "
        f"{doc.get('model') or '?'} MOA, {doc.get('template_revision') or 'no revision line'}; {doc['pages']} pages"
        f" (OCR: {', '.join(map(str, doc['ocr_pages'])) or 'none'})",
        highlight=False,
    )
    if doc["signatures"]:
        emit(signatures, fmt, ["party", "name", "title", "date", "date_kind", "page"], title="Signatures")
    auth = doc["authorities_matched"]
    if auth:
        emit(polars.DataFrame(auth), fmt, ["n", "page", "clause", "text"], title="Delegated authorities")


def emit_county(answer: dict, sentence: str, fmt: Format, labels: dict[str, str] | None = None) -> None:
    """A county's answer: the JSON object, its agreements as CSV (one row per agency and kind, and the
    past ones), or the sentence and a table whose headings and kinds read in `labels` (the answer's
    language; JSON and CSV keep their field names)."""
    kinds = [("county", r) for r in answer["county_agencies"]] + [("other_local", r) for r in answer["other_local"]]
    kinds += [("statewide", r) for r in answer["statewide"]]
    rows = [
        {
            "fips": answer["fips"],
            "kind": k,
            "agency_id": r["agency_id"],
            "name": r["name"],
            "models": ", ".join(r["models"]),
            "signed": r["signed"],
            "ended_on": None,
        }
        for k, r in kinds
    ] + [
        {
            "fips": answer["fips"],
            "kind": "past",
            "agency_id": r["agency_id"],
            "name": r["name"],
            "models": r["model"],
            "signed": r["signed"],
            "ended_on": r["ended_on"],
        }
        for r in answer["past"]
    ]
    if fmt is Format.json:
        sys.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2, default=str) + "\n")
    elif fmt is Format.csv:
        sys.stdout.write(csv_records(rows, ["fips", "kind", "agency_id", "name", "models", "signed", "ended_on"]))
    else:
        console = Console(width=None if sys.stdout.isatty() else 200)
        console.print(f"[bold]{answer['name']}, {answer['state']}[/bold] (FIPS {answer['fips']})", highlight=False)
        console.print(sentence, highlight=False, markup=False)
        table, said = Table(show_lines=False), labels or {}
        for c in ("kind", "agency_id", "models", "signed", "ended_on"):
            table.add_column(said.get(c, c), overflow="fold")
        for r in rows:
            shown = {**r, "kind": said.get(f"kind_{r['kind']}", r["kind"])}
            table.add_row(*(_shown(shown[c]) for c in ("kind", "agency_id", "models", "signed", "ended_on")))
        console.print(table)
