"""The named queries every interface (CLI, API, web, exports) uses. Each returns a Polars DataFrame."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:  # polars costs 0.4 s to import; commands that print nothing never pay it
    import polars as pl

PUBLICATION_STATUSES = ("ok", "suspect", "rejected")
KINDS = ("participating", "pending")


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pl.DataFrame:
    import polars  # noqa: F401  (DuckDB converts through it)

    return con.sql(sql, params=params or None).pl()


def publications(con: duckdb.DuckDBPyConnection, kind: str | None = None, status: str | None = None) -> pl.DataFrame:
    """One row per publication in observation order; rejected files last."""
    sql = """
        SELECT publication_id, kind, status, first_observed, last_observed, rows, distinct_rows,
               layout, seq, n_observations, status_reason, previous_publication_id,
               sha256s, file_names, observed_dates
        FROM publications
        WHERE ($kind::VARCHAR IS NULL OR kind = $kind) AND ($status::VARCHAR IS NULL OR status = $status)
        ORDER BY status = 'rejected', kind, seq, first_observed, publication_id
    """
    return _frame(con, sql, {"kind": kind, "status": status})


def qa_checks(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    sql = """
        SELECT check_name, status, n, detail, items FROM qa_checks
        ORDER BY CASE status WHEN 'fail' THEN 0 WHEN 'warn' THEN 1 WHEN 'info' THEN 2 ELSE 3 END, check_name
    """
    return _frame(con, sql)


def roster_rows(con: duckdb.DuckDBPyConnection, publication_id: str) -> pl.DataFrame:
    """Every stored row of one publication, raw and normalised, in sheet order."""
    sql = "SELECT * FROM roster_rows WHERE publication_id = $p ORDER BY row_number"
    return _frame(con, sql, {"p": publication_id})


def file_errors(con: duckdb.DuckDBPyConnection, sha256s: list[str]) -> dict[str, str]:
    """sha256 -> reason, for those of the given files that were rejected."""
    sql = "SELECT sha256, error FROM files WHERE status = 'rejected' AND list_contains($shas, sha256) ORDER BY 1"
    return dict(con.execute(sql, {"shas": sha256s}).fetchall())
