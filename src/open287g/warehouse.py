"""The warehouse: one DuckDB file, always rebuilt whole from the archive into a new file and swapped in
with an atomic rename, so a crash or kill mid-build leaves the previous warehouse as it was."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

import duckdb

from . import schema

_LIST = "VARCHAR[]"
# name -> [(column, DuckDB type)], in build order; described column by column in data/schema.csv
TABLES: dict[str, list[tuple[str, str]]] = schema.ddl()

# One row per data row of every publication: the rows as users think of them.
VIEWS = {
    # which agency and agreement each row of an ok publication lists
    "row_identity": """
        SELECT r.publication_id, r.row_number, h.agency_id, h.agreement_id
        FROM publication_rows r JOIN publications p USING (publication_id) JOIN hash_identity h USING (row_hash)
        WHERE p.kind = 'participating' AND p.status = 'ok'
        UNION ALL
        SELECT publication_id, row_number, agency_id, agreement_id FROM pending_identity
    """,
    "roster_rows": """
        SELECT r.publication_id, p.kind, r.row_number, p.sha256s[1] AS sha256, i.agency_id, i.agreement_id, v.*
        FROM publication_rows r JOIN row_values v USING (row_hash) JOIN publications p USING (publication_id)
        LEFT JOIN row_identity i USING (publication_id, row_number)
    """,
}


@cache
def _arrow_types() -> dict:
    import pyarrow as pa  # only a build writes tables: reading commands do not pay its import

    return {
        "VARCHAR": pa.string(),
        "BIGINT": pa.int64(),
        "INTEGER": pa.int32(),
        "DATE": pa.date32(),
        "TIMESTAMP": pa.timestamp("us"),
        "BOOLEAN": pa.bool_(),
        _LIST: pa.list_(pa.string()),
        "DATE[]": pa.list_(pa.date32()),
        "INTEGER[]": pa.list_(pa.int32()),
        "DOUBLE": pa.float64(),
    }


def _arrow(table: str, records: list[dict]):
    import pyarrow as pa

    types = _arrow_types()
    schema = pa.schema([(name, types[t]) for name, t in TABLES[table]])
    cols = {}
    for name, t in TABLES[table]:
        values = [r.get(name) for r in records]
        if t == "DATE":
            values = [_date(v) for v in values]
        elif t == "DATE[]":
            values = [None if v is None else [_date(x) for x in v] for v in values]
        cols[name] = values
    return pa.table(cols, schema=schema)


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def publish(
    db_path: Path,
    tables: dict[str, list[dict]],
    meta: dict[str, str],
    checks: Callable[[duckdb.DuckDBPyConnection], list[dict]],
    derive: Callable[[duckdb.DuckDBPyConnection], None],
) -> None:
    """Write every table into a fresh file next to db_path, `derive` aggregates from them, run
    `checks` on it to fill `qa_checks`, then rename it over db_path."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # Builds run under the archive lock, so any other build file is left over from a killed build.
    for stale in db_path.parent.glob(f".{db_path.name}.building-*"):
        stale.unlink()
    tmp = db_path.with_name(f".{db_path.name}.building-{os.getpid()}")
    try:
        con = duckdb.connect(str(tmp))
        try:
            tables = {**tables, "meta": [{"key": k, "value": v} for k, v in sorted(meta.items())]}
            for name, columns in TABLES.items():
                columns_sql = ", ".join(f'"{c}" {t}' for c, t in columns)
                con.execute(f'CREATE TABLE "{name}" ({columns_sql})')
                if name != "qa_checks" and tables[name]:
                    _insert(con, name, tables[name])
            for name, sql in VIEWS.items():
                con.execute(f'CREATE VIEW "{name}" AS {sql}')
            derive(con)
            results = checks(con)
            if results:
                _insert(con, "qa_checks", results)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, db_path)
    finally:
        _remove(tmp)


def insert(con: duckdb.DuckDBPyConnection, name: str, records: list[dict]) -> None:
    """Add records to one of TABLES in a warehouse being built (by a `derive` step)."""
    if records:
        _insert(con, name, records)


def _insert(con: duckdb.DuckDBPyConnection, name: str, records: list[dict]) -> None:
    data = _arrow(name, records)  # noqa: F841 (read by DuckDB's replacement scan)
    con.execute(f'INSERT INTO "{name}" SELECT * FROM data')


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            p.unlink()


def connect(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection; raises FileNotFoundError when nothing has been built yet."""
    if not Path(db_path).exists():
        raise FileNotFoundError(f"{db_path}: no warehouse yet (run `open287g import` first)")
    return duckdb.connect(str(db_path), read_only=True)


def meta(db_path: Path) -> dict[str, str]:
    if not Path(db_path).exists():
        return {}
    try:
        with connect(db_path) as con:
            return dict(con.execute("SELECT key, value FROM meta").fetchall())
    except duckdb.Error:
        return {}
