"""The named queries every interface (CLI, API, web pages, exports) uses.

`db` is a read-only DuckDB connection to a warehouse, or a `Snapshot` of one (the server holds one per
warehouse file). Point-in-time answers are defined once, in `Snapshot` (snapshot.py); the functions
here give them as Polars DataFrames or plain records (or, with `as_json`, as the JSON text the HTTP
API sends). Lists that are not point-in-time answers are plain SQL here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import duckdb

from .documents import (
    DOCUMENT_FIELDS,
    HIT_FIELDS,
    agency_names,
    agreement_documents,
    agreement_links,
    archived_file,
    document,
    documents,
    search_documents,
    template_changes,
    unmatched_documents,
)
from .panel import PANEL_COLUMNS, county_panel
from .places import county_answer, county_answers, find_places
from .places import search as search_places
from .snapshot import MODELS, Snapshot

if TYPE_CHECKING:  # polars costs 0.4 s to import; commands that print nothing never pay it
    import polars as pl

__all__ = [
    "AGREEMENT_STATUSES",
    "COUNTS_BY",
    "COVERAGE_BY",
    "DOCUMENT_FIELDS",
    "EVENT_KINDS",
    "HIT_FIELDS",
    "KINDS",
    "MODELS",
    "PANEL_COLUMNS",
    "PUBLICATION_STATUSES",
    "Snapshot",
    "agencies",
    "agency_listed_on",
    "agency_names",
    "agency_profile",
    "agreement_documents",
    "agreement_links",
    "agreements",
    "archived_file",
    "changes",
    "count_changes",
    "counts",
    "counts_by",
    "county_answer",
    "county_answers",
    "county_figures",
    "county_name",
    "county_panel",
    "coverage",
    "coverage_by",
    "document",
    "documents",
    "file_errors",
    "find_agencies",
    "find_places",
    "in_effect",
    "latest_date",
    "model_powers",
    "publications",
    "qa_checks",
    "reference_tables",
    "resolve_agency",
    "resolve_agreement",
    "roster_rows",
    "search_documents",
    "search_places",
    "snapshot_of",
    "state_summary",
    "states",
    "template_changes",
    "unmatched_documents",
]

PUBLICATION_STATUSES = ("ok", "suspect", "rejected")
KINDS = ("participating", "pending")
COUNTS_BY = ("state", "model", "type", "month")  # what counts_by breaks figures down by
COVERAGE_BY = ("state", "model", "month")
AGREEMENT_STATUSES = ("active", "ended", "superseded", "pending", "pending_removed")
EVENT_KINDS = (
    "pending_listed",
    "pending_removed",
    "listed",
    "relisted",
    "delisted",
    "ended",
    "superseded",
    "renamed",
    "date_revised",
    "moa_posted",
    "moa_changed",
    "renewed",
    "moa_mislinked",
)

Db = duckdb.DuckDBPyConnection | Snapshot
_SNAPSHOTS: list[tuple[duckdb.DuckDBPyConnection, Snapshot]] = []  # the last few connections' snapshots


def snapshot_of(db: Db) -> Snapshot:
    """The snapshot of a warehouse connection (made once per connection), or `db` itself."""
    if isinstance(db, Snapshot):
        return db
    for con, snap in _SNAPSHOTS:
        if con is db:
            return snap
    snap = Snapshot(db.cursor)
    _SNAPSHOTS.insert(0, (db, snap))
    del _SNAPSHOTS[4:]
    return snap


@contextmanager
def _cursor(db: Db) -> Iterator[duckdb.DuckDBPyConnection]:
    if not isinstance(db, Snapshot):
        yield db
        return
    cur = db.cursor()
    try:
        yield cur
    finally:
        cur.close()


def _one(db: Db, sql: str, params: dict | None = None) -> tuple | None:
    """The first row (fetching all: DuckDB 2 keeps a half-read result open on the connection)."""
    with _cursor(db) as con:
        rows = con.execute(sql, params or {}).fetchall()
    return rows[0] if rows else None


def _frame(db: Db, sql: str, params: dict | None = None) -> pl.DataFrame:
    import polars  # noqa: F401  (DuckDB converts through it)

    with _cursor(db) as con:
        return con.sql(sql, params=params or None).pl()


def _result(db: Db, sql: str, params: dict, as_json: bool):
    if not as_json:
        return _frame(db, sql, params)
    with _cursor(db) as con:  # the rows as a JSON array made by DuckDB, in the query's order
        rows = con.execute(f"SELECT to_json(t)::VARCHAR FROM ({sql}) t", params).fetchall()
    return "[" + ",".join(r[0] for r in rows) + "]"


def _list(db: Db, name: str, text: str, as_json: bool):
    return text if as_json else snapshot_of(db).frame(name, text)


def publications(con: Db, kind: str | None = None, status: str | None = None, as_json: bool = False):
    """One row per publication in observation order; rejected files last (as_json: a JSON array)."""
    sql = """
        SELECT publication_id, kind, status, first_observed, last_observed, rows, distinct_rows,
               layout, seq, n_observations, status_reason, previous_publication_id,
               sha256s, file_names, observed_dates
        FROM publications
        WHERE ($kind::VARCHAR IS NULL OR kind = $kind) AND ($status::VARCHAR IS NULL OR status = $status)
        ORDER BY status = 'rejected', kind, seq, first_observed, publication_id
    """
    return _result(con, sql, {"kind": kind, "status": status}, as_json)


def qa_checks(con: Db) -> pl.DataFrame:
    sql = """
        SELECT check_name, status, n, detail, items FROM qa_checks
        ORDER BY CASE status WHEN 'fail' THEN 0 WHEN 'warn' THEN 1 WHEN 'info' THEN 2 ELSE 3 END, check_name
    """
    return _frame(con, sql)


def roster_rows(con: Db, publication_id: str) -> pl.DataFrame:
    """Every stored row of one publication, raw and normalised, in sheet order."""
    sql = "SELECT * FROM roster_rows WHERE publication_id = $p ORDER BY row_number"
    return _frame(con, sql, {"p": publication_id})


def file_errors(con: Db, sha256s: list[str]) -> dict[str, str]:
    """sha256 -> reason, for those of the given files that were rejected."""
    sql = "SELECT sha256, error FROM files WHERE status = 'rejected' AND list_contains($shas, sha256) ORDER BY 1"
    with _cursor(con) as cur:
        return dict(cur.execute(sql, {"shas": sha256s}).fetchall())


def reference_tables(con: Db) -> set[str]:
    """The kinds of reference table (fbi_roster, county_population) the warehouse has a readable copy of."""
    sql = """SELECT DISTINCT kind FROM files WHERE status = 'ok'
             AND kind NOT IN ('participating', 'pending', 'moa') AND NOT starts_with(kind, 'foia')"""
    with _cursor(con) as cur:
        return {kind for (kind,) in cur.execute(sql).fetchall()}


# -- point in time: defined in Snapshot -----------------------------------------------------
def in_effect(db: Db, on, kind: str = "participating") -> str | None:
    """The publication in effect on a day (see Snapshot.in_effect)."""
    return snapshot_of(db).in_effect(on, kind)


def latest_date(db: Db):
    return snapshot_of(db).latest


def counts(db: Db, on=None) -> dict:
    """Agreements, agencies and rows listed on a day (default: the newest), by model, and the
    pending list that day."""
    return snapshot_of(db).counts(on)


def coverage(db: Db, on=None) -> dict:
    """Counties, states and people where at least one agreement applies on a day (default: the newest)."""
    return snapshot_of(db).coverage(on)


def agreements(db: Db, on=None, state=None, model=None, status=None, as_json: bool = False, newest: bool = False):
    """Agreements listed on a day, or all agreements when no day is given (`newest`: the newest day);
    filtered by state, model and status."""
    return _list(db, "agreements", snapshot_of(db).agreements(on, state, model, status, newest), as_json)


def agencies(db: Db, on=None, state=None, as_json: bool = False):
    """Agencies with an agreement listed on a day (default: the newest), placed: jurisdiction level,
    county FIPS, models."""
    return _list(db, "agencies", snapshot_of(db).agencies(on, state), as_json)


def changes(
    db: Db, since=None, until=None, state=None, kind=None, agency_id=None, exclude=(), as_json: bool = False, **more
):
    """Events between two days (inclusive), each traceable to the two publications it compares;
    `exclude` leaves out kinds (e.g. the frequent moa_posted on a front page); `more`: model,
    signed_since, signed_until, newest_first, limit, offset (Snapshot.changes)."""
    text = snapshot_of(db).changes(since, until, state, kind, agency_id, exclude, **more)
    return _list(db, "events", text, as_json)


def feed_events(
    db: Db, state=None, county=None, agency_id=None, model=None, kind=None, limit: int | None = 50
) -> list[dict]:
    """The newest events of a feed, newest first: the nation, a state, a county (its local agencies), an
    agency, a model; each with its stable event_id."""
    import json

    text = snapshot_of(db).changes(
        None, None, state, kind, agency_id, (), model=model, county=county, newest_first=True, limit=limit
    )
    return json.loads(text)


def record_changed(db: Db) -> dict:
    """When the record last changed: the newest list put up (its day in effect, when it was first seen, and
    its publication)."""
    sql = (
        "SELECT p.kind, p.effective_from, p.publication_id, p.file_name, min(coalesce(o.observed_at, "
        "strftime(o.observed_on, '%Y-%m-%d'))) FROM postings p JOIN observations o USING (sha256) "
        "WHERE p.status = 'ok' GROUP BY ALL ORDER BY p.effective_from DESC, 5 DESC LIMIT 1"
    )
    with _cursor(db) as cur:
        row = cur.execute(sql).fetchone()
    keys = ("kind", "day", "publication_id", "file_name", "first_seen")
    return dict(zip(keys, row)) if row else dict.fromkeys(keys)


def status(db: Db, checked: dict) -> dict:
    """When ICE's page was last checked and what the last attempt met (`checked`: the archive's sync log,
    open287g.sync.status; empty for a warehouse only ever imported), and when the record last changed."""
    return {
        "last_checked": checked.get("last_checked"),
        "last_attempt": checked.get("last_attempt"),
        "last_attempt_error": checked.get("last_attempt_error"),
        "last_new_file": checked.get("last_new_file"),
        "syncs": checked.get("syncs", 0),
        "latest": str(latest_date(db)),
        "record_changed": record_changed(db),
    }


def event_kinds(db: Db) -> dict[str, str]:
    """Every event's id and kind (what a sync compares before and after its build)."""
    with _cursor(db) as cur:
        return dict(cur.execute("SELECT event_id, kind FROM events").fetchall())


def count_changes(db: Db, since=None, until=None, state=None, kind=None, agency_id=None, exclude=(), **more) -> int:
    """How many events `changes` finds with the same filters, over all its pages."""
    return snapshot_of(db).count_changes(since, until, state, kind, agency_id, exclude, **more)


def county_figures(db: Db, on=None, as_json: bool = False):
    """One row per county for the map on a day (None: the newest): local agencies and agreements by
    model, statewide models."""
    return _list(db, "counties", snapshot_of(db).county_figures(on), as_json)


def states(db: Db, on=None, state: str | None = None) -> pl.DataFrame:
    """Every state or territory with an agreement ever (or one), with its figures on a day."""
    import polars

    rows = snapshot_of(db).states(on, state)
    columns = ["state", "agreements", "agencies", "jem", "tfm", "wso", "agreements_ever"]
    return polars.DataFrame(rows, schema=columns, orient="row") if not rows else polars.DataFrame(rows)


def state_summary(db: Db, state: str, on=None) -> dict:
    """One state on a day (None: the newest): its figures and where its agreements apply."""
    return snapshot_of(db).state_summary(state, on)


def agency_profile(db: Db, agency_id: str, as_json: bool = False):
    """One agency: profile, its agreements and its full history of events, oldest first (as_json:
    one JSON object, the API's answer)."""
    snap = snapshot_of(db)
    if as_json:
        return snap.agency_profile(agency_id)
    parts = snap.profile_parts(agency_id)
    if parts is None:
        return None
    row, agreements, events = parts
    return {
        "agency": snap.frame("agency_records", f"[{row}]").to_dicts()[0],
        "agreements": snap.frame("agreement_records", agreements),
        "events": snap.frame("events", events),
    }


def agency_listed_on(db: Db, agency_id: str, on) -> dict:
    """What ICE's lists said of one agency on a day: the day each list took effect, and its agreements on
    the participating and on the pending list (agreement records, as on that day)."""
    snap = snapshot_of(db)
    profile = snap.profile_parts(agency_id)
    if profile is None:
        return {"on": on, "list_day": None, "pending_list_day": None, "listed": [], "pending": []}
    state = snap.frame("agency_records", f"[{profile[0]}]").to_dicts()[0]["state"]

    def mine(status: str | None) -> list[dict]:
        rows = snap.frame("agreement_records", snap.agreements(on, state, None, status)).to_dicts()
        return [r for r in rows if r["agency_id"] == agency_id]

    return {
        "on": on,
        "list_day": snap.list_day(on),
        "pending_list_day": snap.list_day(on, "pending"),
        "listed": mine(None),
        "pending": mine("pending"),
    }


def county_name(db: Db, fips: str | None) -> str | None:
    """A county's name by its FIPS code ("48201" -> "Harris County"), None when unknown."""
    return snapshot_of(db).county_names.get(fips or "")


def resolve_agency(db: Db, agency_id: str) -> str | None:
    """The current id of the agency an id names (current or former; ids once issued resolve forever)."""
    return snapshot_of(db).resolve_agency(agency_id)


def resolve_agreement(db: Db, agreement_id: str) -> str | None:
    """The current id of the agreement an id names (current or former)."""
    return snapshot_of(db).resolve_agreement(agreement_id)


def counts_by(db: Db, on, by: str) -> pl.DataFrame:
    """Counts on a day (None: the newest) grouped by state, model or agency type; or by month: each
    month-end up to that day."""
    snap = snapshot_of(db)
    if by == "month":
        return _monthly(
            snap,
            on,
            snap.counts,
            lambda c: {
                "rows": c["rows"],
                "agreements": c["agreements"],
                "agencies": c["agencies"],
                **{m.lower(): c["by_model"][m] for m in MODELS},
                "pending": c["pending"],
                "publication_id": c["publication_id"],
            },
        )
    if by == "state":  # the state figures of the day (Snapshot.states), where an agreement is listed
        import polars

        return polars.DataFrame(
            [{k: v for k, v in r.items() if k != "agreements_ever"} for r in snap.states(on) if r["agreements"]],
            schema={
                "state": polars.String,
                **dict.fromkeys(("agreements", "agencies", "jem", "tfm", "wso"), polars.Int64),
            },
        )
    column = {"model": "a.model", "type": "coalesce(a.agency_type, 'unknown')"}[by]
    sql = f"""
        SELECT {column} AS {by}, count(*) AS agreements, count(DISTINCT a.agency_id) AS agencies,
               count(*) FILTER (a.model = 'JEM') AS jem, count(*) FILTER (a.model = 'TFM') AS tfm,
               count(*) FILTER (a.model = 'WSO') AS wso
        FROM publication_agreements pa JOIN agreements a USING (agreement_id)
        WHERE pa.publication_id = $pub
        GROUP BY 1 ORDER BY agreements DESC, 1
    """
    return _frame(db, sql, {"pub": snap.in_effect(on if on is not None else snap.latest)})


def _monthly(snap: Snapshot, on, answer: Callable[[Any], dict], fields: Callable[[dict], dict]) -> pl.DataFrame:
    """One row per month-end up to `on`: the month, its day, and `fields` of `answer` on that day."""
    import polars

    return polars.DataFrame([{"month": m, "as_of": day, **fields(answer(day))} for m, day in snap.months(on)])


def coverage_by(db: Db, on, by: str, state: str | None = None) -> pl.DataFrame:
    """Coverage per state (or one state) or per model on a day (None: the newest), or month by month
    (month-ends up to the day)."""
    import polars

    snap = snapshot_of(db)
    rows: list[dict[str, Any]]
    if by == "model":
        rows = [{"model": m, **v} for m, v in snap.coverage(on)["by_model"].items()]
    elif by == "month":
        return _monthly(
            snap,
            on,
            snap.coverage,
            lambda c: {
                **{k: c[k] for k in ("counties", "states", "population", "population_share")},
                **{f"{m.lower()}_counties": c["by_model"][m]["counties"] for m in MODELS},
            },
        )
    else:
        rows = snap.state_coverage(on, state)
        if not rows:
            return polars.DataFrame(
                schema=["state", "counties", "counties_total", "population", "population_total", "statewide", "models"]
            )
    return polars.DataFrame(rows)


# -- pages ------------------------------------------------------------------------------------
def find_agencies(con: Db, query: str) -> pl.DataFrame:
    """Agencies whose id (current or former) is the query, or whose names contain every word of it
    (any spelling seen)."""
    words = [w for w in query.lower().replace("'", "").split() if w]
    exact = resolve_agency(con, query.strip())
    sql = """
        SELECT agency_id, name, state, status, models, n_agreements FROM agencies
        WHERE agency_id = $q OR list_bool_and([
              list_bool_or([contains(replace(lower(n), '''', ''), w) FOR n IN names] || [contains(lower(agency_id), w)])
              FOR w IN $words])
        ORDER BY agency_id = $q DESC,
                 -- whole words first: 'harris county' finds Harris County before Harrison County
                 list_sum([contains(' ' || regexp_replace(lower(name), '[^a-z0-9]+', ' ', 'g') || ' ',
                                    ' ' || w || ' ')::INT FOR w IN $words]) DESC,
                 status = 'active' DESC, agency_id
    """
    return _frame(con, sql, {"q": exact or query, "words": words or [""]})


def model_powers(con: Db, model: str | None = None) -> pl.DataFrame:
    sql = "SELECT * FROM model_powers WHERE $model::VARCHAR IS NULL OR model = $model ORDER BY model, n"
    return _frame(con, sql, {"model": model})
