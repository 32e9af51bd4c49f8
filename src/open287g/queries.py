"""The named queries every interface (CLI, API, web, exports) uses. Each returns a Polars DataFrame."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:  # polars costs 0.4 s to import; commands that print nothing never pay it
    import polars as pl

PUBLICATION_STATUSES = ("ok", "suspect", "rejected")
KINDS = ("participating", "pending")


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> tuple | None:
    """The first row (fetching all: DuckDB 2 keeps a half-read result open on the connection)."""
    rows = con.execute(sql, params or {}).fetchall()
    return rows[0] if rows else None


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


# -- point in time ----------------------------------------------------------------------------
MODELS = ("JEM", "TFM", "WSO")
AGREEMENT_STATUSES = ("active", "ended", "superseded", "pending", "pending_removed")
EVENT_KINDS = (
    "pending_listed", "pending_removed", "listed", "relisted", "delisted", "ended", "superseded", "renamed",
    "date_revised", "moa_posted", "moa_changed",
)


def in_effect(con: duckdb.DuckDBPyConnection, on, kind: str = "participating") -> str | None:
    """The publication in effect on a day: the latest ok publication of that list observed on or
    before it (None before the first observation)."""
    row = _one(
        con,
        "SELECT publication_id FROM in_effect WHERE kind = $kind AND from_date <= $on ORDER BY from_date DESC LIMIT 1",
        {"kind": kind, "on": on},
    )
    return row[0] if row else None


def latest_date(con: duckdb.DuckDBPyConnection):
    return _one(con, "SELECT max(from_date) FROM in_effect")[0]


_ACTIVE = """
    SELECT DISTINCT i.agreement_id FROM row_identity i WHERE i.publication_id = $pub
"""


def counts(con: duckdb.DuckDBPyConnection, on) -> dict:
    """Agreements, agencies and rows listed on a day, by model, and the pending list that day."""
    pub = in_effect(con, on, "participating")
    pending_pub = in_effect(con, on, "pending")
    row = _one(
        con,
        f"""
        WITH active AS ({_ACTIVE})
        SELECT count(*), count(DISTINCT a.agency_id),
               count(*) FILTER (a.model = 'JEM'), count(*) FILTER (a.model = 'TFM'), count(*) FILTER (a.model = 'WSO'),
               (SELECT rows FROM publications WHERE publication_id = $pub)
        FROM active JOIN agreements a USING (agreement_id)
        """,
        {"pub": pub},
    )
    pending = _one(
        con, "SELECT count(DISTINCT agreement_id), count(*) FROM row_identity WHERE publication_id = $pub", {"pub": pending_pub}
    )
    return {
        "on": str(on),
        "agreements": row[0],
        "agencies": row[1],
        "by_model": {"JEM": row[2], "TFM": row[3], "WSO": row[4]},
        "rows": row[5] or 0,
        "pending": pending[0],
        "pending_rows": pending[1],
        "publication_id": pub,
        "pending_publication_id": pending_pub,
    }


def counts_by(con: duckdb.DuckDBPyConnection, on, by: str) -> pl.DataFrame:
    """Counts on a day grouped by state, model or agency type; or by month: each month-end up to `on`."""
    if by == "month":
        return _counts_by_month(con, on)
    column = {"state": "a.state", "model": "a.model", "type": "coalesce(a.agency_type, 'unknown')"}[by]
    sql = f"""
        WITH active AS ({_ACTIVE})
        SELECT {column} AS {by}, count(*) AS agreements, count(DISTINCT a.agency_id) AS agencies,
               count(*) FILTER (a.model = 'JEM') AS jem, count(*) FILTER (a.model = 'TFM') AS tfm,
               count(*) FILTER (a.model = 'WSO') AS wso
        FROM active JOIN agreements a USING (agreement_id)
        GROUP BY 1 ORDER BY agreements DESC, 1
    """
    return _frame(con, sql, {"pub": in_effect(con, on)})


def _counts_by_month(con: duckdb.DuckDBPyConnection, on) -> pl.DataFrame:
    sql = """
        WITH months AS (
            SELECT strftime(m, '%Y-%m') AS month, least(last_day(m), $on::DATE) AS day
            FROM generate_series(date_trunc('month', (SELECT min(from_date) FROM in_effect)),
                                 date_trunc('month', $on::DATE), INTERVAL 1 MONTH) t(m)),
        pubs AS (
            SELECT m.month, m.day,
                   (SELECT publication_id FROM in_effect e WHERE e.kind = 'participating' AND e.from_date <= m.day
                    ORDER BY from_date DESC LIMIT 1) AS pub,
                   (SELECT publication_id FROM in_effect e WHERE e.kind = 'pending' AND e.from_date <= m.day
                    ORDER BY from_date DESC LIMIT 1) AS pending_pub
            FROM months m),
        active AS (SELECT DISTINCT p.month, i.agreement_id FROM pubs p JOIN row_identity i ON i.publication_id = p.pub)
        SELECT p.month, p.day AS as_of, pb.rows, count(a.agreement_id) AS agreements,
               count(DISTINCT a.agency_id) AS agencies,
               count(*) FILTER (a.model = 'JEM') AS jem, count(*) FILTER (a.model = 'TFM') AS tfm,
               count(*) FILTER (a.model = 'WSO') AS wso,
               (SELECT count(DISTINCT agreement_id) FROM row_identity WHERE publication_id = p.pending_pub) AS pending,
               p.pub AS publication_id
        FROM pubs p LEFT JOIN publications pb ON pb.publication_id = p.pub
        LEFT JOIN active ac ON ac.month = p.month LEFT JOIN agreements a ON a.agreement_id = ac.agreement_id
        GROUP BY ALL ORDER BY p.month
    """
    return _frame(con, sql, {"on": on})


def agreements(con: duckdb.DuckDBPyConnection, on=None, state=None, model=None, status=None) -> pl.DataFrame:
    """Agreements listed on a day (participating list; with status pending, the pending list), or all
    agreements when no day is given; filtered by state, model and status."""
    pub = in_effect(con, on, "pending" if status in ("pending", "pending_removed") else "participating") if on else None
    sql = """
        SELECT a.agreement_id, a.agency_id, a.agency_name, a.state, a.model, a.signed, a.status, a.first_listed,
               a.last_listed, a.ended_on, a.county, a.agency_type, a.moa_url, a.moa_state, a.superseded_by,
               a.supersedes, a.pending_first_listed, a.days_pending_to_signed, a.n_spells, a.names
        FROM agreements a
        WHERE ($on::DATE IS NULL OR a.agreement_id IN (SELECT agreement_id FROM row_identity WHERE publication_id = $pub))
          AND ($state::VARCHAR IS NULL OR a.state = $state) AND ($model::VARCHAR IS NULL OR a.model = $model)
          AND ($status::VARCHAR IS NULL OR a.status = $status)
        ORDER BY a.state, a.agency_name, a.model, a.signed
    """
    return _frame(con, sql, {"on": on, "pub": pub, "state": state, "model": model, "status": status})


def find_agencies(con: duckdb.DuckDBPyConnection, query: str) -> pl.DataFrame:
    """Agencies whose id is the query, or whose names contain every word of it (any spelling seen)."""
    words = [w for w in query.lower().replace("'", "").split() if w]
    sql = """
        SELECT agency_id, name, state, status, models, n_agreements FROM agencies
        WHERE agency_id = $q OR list_bool_and([
              list_bool_or([contains(replace(lower(n), '''', ''), w) FOR n IN names] || [lower(agency_id) LIKE '%' || w || '%'])
              FOR w IN $words])
        ORDER BY agency_id = $q DESC, status = 'active' DESC, agency_id
    """
    return _frame(con, sql, {"q": query, "words": words or [""]})


def agency_profile(con: duckdb.DuckDBPyConnection, agency_id: str) -> dict | None:
    """One agency: profile, its agreements and its full history of events, oldest first."""
    import polars  # noqa: F401

    agency = _frame(con, "SELECT * FROM agencies WHERE agency_id = $a", {"a": agency_id})
    if agency.is_empty():
        return None
    return {
        "agency": agency.to_dicts()[0],
        "agreements": agreements_of(con, agency_id),
        "events": changes(con, agency_id=agency_id),
    }


def agreements_of(con: duckdb.DuckDBPyConnection, agency_id: str) -> pl.DataFrame:
    return _frame(con, "SELECT * FROM agreements WHERE agency_id = $a ORDER BY model, signed", {"a": agency_id})


def changes(con: duckdb.DuckDBPyConnection, since=None, until=None, state=None, kind=None, agency_id=None) -> pl.DataFrame:
    """Events between two days (inclusive), each traceable to the two publications it compares."""
    sql = """
        SELECT date, kind, agency_id, agreement_id, state, model, agency_name, signed, previous_name, previous_signed,
               moa_url, previous_moa_url, related_agreement_id, rule, previous_date, from_publication_id, to_publication_id
        FROM events
        WHERE ($since::DATE IS NULL OR date >= $since) AND ($until::DATE IS NULL OR date <= $until)
          AND ($state::VARCHAR IS NULL OR state = $state) AND ($kind::VARCHAR IS NULL OR kind = $kind)
          AND ($agency::VARCHAR IS NULL OR agency_id = $agency)
        ORDER BY date, state, agency_name, kind
    """
    return _frame(con, sql, {"since": since, "until": until, "state": state, "kind": kind, "agency": agency_id})
