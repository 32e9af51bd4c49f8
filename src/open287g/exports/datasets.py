"""What `open287g export` writes: the datasets, each a table of data/schema.csv, and how each is read from
the warehouse. Stored tables and views are read whole; an `export` table is a named query's answer on the
export's day (queries.county_figures, queries.panel, queries.laws). Every dataset comes out with exactly
its schema's columns and types, in its primary key's order (or every column's), so two exports of one
warehouse are the same bytes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl

from .. import queries, schema
from ..queries import laws, panel


@dataclass(frozen=True)
class Dataset:
    name: str  # its table in data/schema.csv
    group: str  # the heading it is listed under in the dictionary
    partition: str | None = None  # the column its Parquet files are split by (hive style: col=value/)
    search: tuple[str, ...] = ()  # the columns the SQLite export indexes for full-text search

    @property
    def table(self) -> schema.Table:
        return schema.table(self.name)


DATASETS = (
    Dataset("publications", "roster"),
    Dataset("roster_rows", "roster", partition="kind", search=("agency", "county")),
    Dataset("agencies", "agreements", search=("name",)),
    Dataset("agreements", "agreements", search=("agency_name",)),
    Dataset("agreement_spells", "agreements"),
    Dataset("events", "agreements"),
    Dataset("model_powers", "agreements"),
    Dataset("counties", "places"),
    Dataset("agency_counties", "places"),
    Dataset("coverage", "places"),
    Dataset("county_months", "places", partition="state"),
    Dataset("documents", "documents", search=("agency", "title", "file_name")),
    Dataset("document_pages", "documents", search=("text",)),
    Dataset("document_signatures", "documents"),
    Dataset("document_authorities", "documents"),
    Dataset("document_links", "documents"),
    Dataset("foia_files", "outcomes"),
    Dataset("foia_arrests", "outcomes", partition="fiscal_year"),
    Dataset("landmark_links", "outcomes", search=("landmark",)),
    Dataset("linked_arrests", "outcomes"),
    Dataset("operations", "outcomes", search=("name", "place")),
    Dataset("state_laws", "laws"),
    Dataset("law_coverage", "laws"),
    Dataset("law_flags", "laws"),
    Dataset("compliance", "laws"),
    Dataset("qa_checks", "checks"),
)
BY_NAME = {d.name: d for d in DATASETS}


def _answer(con: duckdb.DuckDBPyConnection, name: str, on: dt.date) -> pl.DataFrame:
    """An `export` table: the named query's answer on the day."""
    if name == "coverage":
        return queries.county_figures(con, on).with_columns(day=pl.lit(on))
    if name == "county_months":
        return panel.county_panel(con, on=on)
    if name == "compliance":
        rows = []
        for state in laws.mandate_states(con):
            answer = laws.compliance(con, state, on)
            rows += laws.compliance_rows(answer) if answer else []
        # types from every row: a day whose first rows hold no date must not fix a column as text
        return pl.DataFrame(rows, schema=list(laws.COMPLIANCE_FIELDS), orient="row", infer_schema_length=None)
    raise KeyError(name)


def read(con: duckdb.DuckDBPyConnection, ds: Dataset, on: dt.date) -> duckdb.DuckDBPyRelation:
    """The dataset as a relation on `con`: its schema's columns cast to its schema's types, ordered."""
    table = ds.table
    cols = ", ".join(f'CAST("{c.name}" AS {c.type}) AS "{c.name}"' for c in table.columns)
    order = ", ".join(f'"{c}"' for c in table.primary_key) or "ALL"
    if table.kind == "export":
        frame = _answer(con, ds.name, on)  # noqa: F841 (read by DuckDB's replacement scan)
        return con.sql(f"SELECT {cols} FROM frame ORDER BY {order}")
    return con.sql(f'SELECT {cols} FROM "{ds.name}" ORDER BY {order}')
