"""The Python API: the CLI's questions as functions that return Polars DataFrames (`pandas=True`: a pandas
DataFrame, which needs pandas installed). Each calls the same named query as the CLI and the HTTP API
and checks its parameters the same way (a bad one raises `ParamError`, a ValueError naming it).

    import open287g
    open287g.agreements(state="TX", model="JEM")          # listed on the newest day
    open287g.counts(on="2025-06-30")                      # one row: agreements, agencies, by model
    open287g.changes(since="2026-03-01", kind="listed")

`db` is the warehouse: a path (default: $OPEN287G_DB, else ./open287g.duckdb, as the CLI) or an open DuckDB
connection. Paths are opened read-only once and reopened when the warehouse is rebuilt."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from . import output, queries, warehouse
from .queries import laws as law_queries
from .queries import outcomes, panel, params

Db = str | os.PathLike | duckdb.DuckDBPyConnection | None
_OPEN: dict[Path, tuple[int, duckdb.DuckDBPyConnection]] = {}


def connect(db: Db = None) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only: `db` itself if it is a connection, else the file it names (or the default)."""
    if isinstance(db, duckdb.DuckDBPyConnection):
        return db
    path = Path(db or os.environ.get("OPEN287G_DB") or "open287g.duckdb").resolve()
    stamp = path.stat().st_mtime_ns if path.exists() else 0
    held = _OPEN.get(path)
    if held and held[0] == stamp:
        return held[1]
    con = warehouse.connect(path)  # FileNotFoundError, in one line, when nothing is built there
    if held:
        held[1].close()
    _OPEN[path] = (stamp, con)
    return con


def _day(name: str, value: dt.date | str | None) -> dt.date | None:
    return params.day(name, value) if isinstance(value, str) else value


def _out(frame: pl.DataFrame, pandas: bool) -> Any:
    return frame.to_pandas() if pandas else frame


def _rows(rows: list[dict], pandas: bool) -> Any:
    return _out(pl.DataFrame(rows, infer_schema_length=None), pandas)


def counts(on: dt.date | str | None = None, by: str | None = None, db: Db = None, pandas: bool = False):
    """Agreements, agencies and rows listed on a day (default: the newest), by model, and the pending list:
    one row (`by`: state, model, agency_type or month gives one row per group, as `open287g counts --by`)."""
    con, day, by = connect(db), _day("on", on), params.counts_by(by)
    if by:
        return _out(queries.counts_by(con, day, by), pandas)
    return _rows([output.flat(queries.counts(con, day))], pandas)


def agreements(
    on: dt.date | str | None = None,
    state: str | None = None,
    model: str | None = None,
    status: str | None = None,
    all: bool = False,
    db: Db = None,
    pandas: bool = False,
):
    """Agreements listed on a day (default: the newest; `all=True`: every agreement ever, with its status),
    filtered by state, model (JEM, TFM, WSO) and status (active, ended, superseded, pending, pending_removed:
    without a day, today's status); the fields of `open287g agreements --format json`."""
    status = params.agreement_status(status)
    day, newest = params.listing(_day("on", on), status, all)  # as `open287g agreements` reads them
    frame = queries.agreements(connect(db), day, params.state(state), params.model(model), status, newest=newest)
    return _out(frame, pandas)


def agencies(on: dt.date | str | None = None, state: str | None = None, db: Db = None, pandas: bool = False):
    """Agencies with an agreement listed on a day (default: the newest), placed: level, county FIPS, models."""
    return _out(queries.agencies(connect(db), _day("on", on), params.state(state)), pandas)


def changes(
    since: dt.date | str | None = None,
    until: dt.date | str | None = None,
    state: str | None = None,
    kind: str | None = None,
    agency_id: str | None = None,
    db: Db = None,
    pandas: bool = False,
):
    """Events between two days (inclusive): listed, ended, renamed, date_revised, moa_posted …, each with the
    two publications (and files) it compares and its stable `event_id`."""
    con = connect(db)
    frame = queries.changes(
        con, _day("since", since), _day("until", until), params.state(state), params.event_kind(kind), agency_id
    )
    return _out(frame, pandas)


def coverage(on: dt.date | str | None = None, by: str | None = None, db: Db = None, pandas: bool = False):
    """Counties, states and people where an agreement applies on a day: one row (`by`: state, model or month)."""
    con, day, by = connect(db), _day("on", on), params.coverage_by(by)
    if by:
        return _out(queries.coverage_by(con, day, by), pandas)
    answer = queries.coverage(con, day)
    answer["statewide_agreements_in"] = " ".join(answer["statewide_agreements_in"])
    return _rows([output.flat(answer)], pandas)


def counties(on: dt.date | str | None = None, db: Db = None, pandas: bool = False):
    """One row per county on a day: FIPS, name, state, population, local agencies, models, covered."""
    return _out(queries.county_figures(connect(db), _day("on", on)), pandas)


def county_panel(
    since: str | None = None, until: str | None = None, state: str | None = None, db: Db = None, pandas: bool = False
):
    """The county x month panel (months YYYY-MM): local agencies by model, statewide models, covered."""
    frame = panel.county_panel(
        connect(db), params.month("since", since), params.month("until", until), params.state(state)
    )
    return _out(frame, pandas)


def publications(kind: str | None = None, status: str | None = None, db: Db = None, pandas: bool = False):
    """Every roster publication with its files' sha256s and observation dates."""
    con = connect(db)
    return _out(queries.publications(con, params.publication_kind(kind), params.publication_status(status)), pandas)


def documents(agency_id: str | None = None, search: str | None = None, db: Db = None, pandas: bool = False):
    """The MOA documents (one row each), or with `search` the pages that match it, best first."""
    con = connect(db)
    if search is not None:
        path = Path(con.execute("PRAGMA database_list").fetchall()[0][2])
        found = queries.search_documents(con, path, params.search_text(search) or "", agency_id=agency_id)
        return _rows(found["hits"], pandas)
    return _rows(queries.documents(con, agency_id), pandas)


def arrests(method: str = "287g", by: str = "fiscal_year", db: Db = None, pandas: bool = False):
    """ICE's arrests from its FOIA releases counted by one field (fiscal_year, month, aor, state, landmark …),
    with every method's count and the share."""
    con = connect(db)
    rows = outcomes.arrests(con, params.arrest_method(method), params.arrests_by(by))
    return _rows(rows, pandas)


def laws(state: str | None = None, db: Db = None, pandas: bool = False):
    """State laws on 287(g) (mandates, bans, restrictions) with citations and flag counts."""
    return _rows(law_queries.laws(connect(db), params.state(state)), pandas)


def compliance(state: str, on: dt.date | str | None = None, db: Db = None, pandas: bool = False):
    """A mandate state's covered agencies and their standing on a day, one row per agency (none: None)."""
    answer = law_queries.compliance(connect(db), params.state(state) or "", _day("on", on))
    return _rows(law_queries.compliance_rows(answer), pandas) if answer else None
