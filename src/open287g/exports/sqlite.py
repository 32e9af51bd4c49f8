"""The SQLite export, ready for Datasette: one table per dataset with its primary and foreign keys (to the
other datasets), a full-text index (FTS5, content tables as sqlite-utils makes them, which Datasette
finds) on names and MOA text, and metadata.json describing every table and column from data/schema.csv.

Values as SQLite holds them: dates and times as ISO text, booleans as 0/1, lists as JSON arrays (which
Datasette shows as such)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from .datasets import Dataset

_TYPES = {"INTEGER": "INTEGER", "BIGINT": "INTEGER", "BOOLEAN": "INTEGER", "DOUBLE": "REAL"}
DATABASE = "open287g"  # Datasette names the database by the file's stem


def _ddl(ds: Dataset, names: set[str]) -> str:
    table = ds.table
    cols = [f'"{c.name}" {_TYPES.get(c.type, "TEXT")}' for c in table.columns]
    if table.primary_key:
        cols.append("PRIMARY KEY (" + ", ".join(f'"{c}"' for c in table.primary_key) + ")")
    for col, other, key in table.foreign_keys:
        if other in names and other != ds.name:
            cols.append(f'FOREIGN KEY ("{col}") REFERENCES "{other}" ("{key}")')
    return f'CREATE TABLE "{ds.name}" (\n  ' + ",\n  ".join(cols) + "\n)"


def _value(v: Any) -> Any:
    if isinstance(v, list):
        return json.dumps([_value(x) for x in v], ensure_ascii=False)
    if isinstance(v, dt.date):  # datetimes too
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


class SqliteWriter:
    """Writes datasets into a new database file, swapped in whole on `close`."""

    def __init__(self, path: Path, datasets: tuple[Dataset, ...]) -> None:
        self.path = path
        self.names = {d.name for d in datasets}
        self.tmp = path.with_name(path.name + ".part")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp.unlink(missing_ok=True)
        self.db = sqlite3.connect(self.tmp)
        self.db.execute("PRAGMA journal_mode = OFF")

    def add(self, ds: Dataset, data: pa.Table) -> None:
        self.db.execute(_ddl(ds, self.names))
        cols = [c.name for c in ds.table.columns]
        sql = f'INSERT INTO "{ds.name}" VALUES ({", ".join("?" * len(cols))})'
        for batch in data.to_batches(max_chunksize=20_000):
            rows = batch.to_pylist()
            self.db.executemany(sql, ([_value(r[c]) for c in cols] for r in rows))
        if ds.search:
            names = ", ".join(f'"{c}"' for c in ds.search)
            self.db.execute(f'CREATE VIRTUAL TABLE "{ds.name}_fts" USING fts5({names}, content="{ds.name}")')
            self.db.execute(f'INSERT INTO "{ds.name}_fts" (rowid, {names}) SELECT rowid, {names} FROM "{ds.name}"')
        self.db.commit()

    def close(self) -> None:
        self.db.execute("VACUUM")
        self.db.close()
        os.replace(self.tmp, self.path)


def metadata(datasets: tuple[Dataset, ...], about: dict[str, str]) -> dict:
    """Datasette's metadata.json: the export's title, licence and source, and every table's and column's
    description."""
    tables = {}
    for ds in datasets:
        t = ds.table
        entry: dict[str, Any] = {"description": t.description, "columns": {c.name: c.description for c in t.columns}}
        label = next((c for c in ("name", "agency_name", "title", "file_name") if c in entry["columns"]), None)
        if label:
            entry["label_column"] = label
        if ds.search:
            entry["fts_table"] = f"{ds.name}_fts"
        tables[ds.name] = entry
    return {**about, "databases": {DATABASE: {"tables": tables}}}
