"""The named queries every interface (CLI, API, web, exports) uses. Each returns a Polars DataFrame."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from .domain import vocab

if TYPE_CHECKING:  # polars costs 0.4 s to import; commands that print nothing never pay it
    import polars as pl

PUBLICATION_STATUSES = ("ok", "suspect", "rejected")
KINDS = ("participating", "pending")


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> tuple | None:
    """The first row (fetching all: DuckDB 2 keeps a half-read result open on the connection)."""
    rows = con.execute(sql, params or {}).fetchall()
    return rows[0] if rows else None


def _rows_json(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> str:
    """The rows as a JSON array, made by DuckDB (dates as YYYY-MM-DD, lists as arrays), in the
    query's order: the fast path for the HTTP API."""
    rows = con.execute(f"SELECT to_json(t)::VARCHAR FROM ({sql}) t", params or {}).fetchall()
    return "[" + ",".join(r[0] for r in rows) + "]"


def _result(con: duckdb.DuckDBPyConnection, sql: str, params: dict, as_json: bool):
    return _rows_json(con, sql, params) if as_json else _frame(con, sql, params)


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pl.DataFrame:
    import polars  # noqa: F401  (DuckDB converts through it)

    return con.sql(sql, params=params or None).pl()


def publications(
    con: duckdb.DuckDBPyConnection, kind: str | None = None, status: str | None = None, as_json: bool = False
):
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
MODELS = vocab.MODELS
COUNTS_BY = ("state", "model", "type", "month")  # what counts_by and coverage_by break figures down by
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
)


def in_effect(con: duckdb.DuckDBPyConnection, on, kind: str = "participating") -> str | None:
    """The publication in effect on a day: the latest ok publication of that list observed on or
    before it (None before the first observation)."""
    row = _one(
        con,
        "SELECT max_by(publication_id, from_date) FROM in_effect WHERE kind = $kind AND from_date <= $on",
        {"kind": kind, "on": on},
    )
    return row[0] if row else None


def _day_and_publications(con: duckdb.DuckDBPyConnection, on) -> tuple:
    """(day, participating publication, pending publication) in effect; the newest day when `on` is
    None. Small separate queries: DuckDB plans them far faster than one query with subqueries."""
    return _one(
        con,
        """WITH d AS (SELECT coalesce($on::DATE, max(from_date)) AS on_ FROM in_effect)
           SELECT d.on_, max_by(e.publication_id, e.from_date) FILTER (e.kind = 'participating'),
                  max_by(e.publication_id, e.from_date) FILTER (e.kind = 'pending')
           FROM d LEFT JOIN in_effect e ON e.from_date <= d.on_ GROUP BY d.on_""",
        {"on": on},
    )


def latest_date(con: duckdb.DuckDBPyConnection):
    return _one(con, "SELECT max(from_date) FROM in_effect")[0]


_ACTIVE = """
    SELECT agreement_id FROM publication_agreements WHERE publication_id = $pub
"""


def counts(con: duckdb.DuckDBPyConnection, on=None) -> dict:
    """Agreements, agencies and rows listed on a day (default: the newest), by model, and the
    pending list that day."""
    day, pub, pending_pub = _day_and_publications(con, on)
    found = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT publication_id, rows, agreements, agencies, jem, tfm, wso FROM publication_counts "
            "WHERE publication_id IN ($p, $q)",
            {"p": pub, "q": pending_pub},
        ).fetchall()
    }
    return counts_record(day, pub, pending_pub, found)


def counts_record(day, pub, pending_pub, found: dict) -> dict:
    """The counts answer from publication_counts rows (publication -> rows, agreements, agencies, jem,
    tfm, wso); shared with answers.py."""
    rows, agreements, agencies, jem, tfm, wso = found.get(pub, (0,) * 6)
    pending_rows, pending = found.get(pending_pub, (0, 0))[:2]
    return {
        "on": str(day),
        "agreements": agreements or 0,
        "agencies": agencies or 0,
        "by_model": {"JEM": jem or 0, "TFM": tfm or 0, "WSO": wso or 0},
        "rows": rows or 0,
        "pending": pending or 0,
        "pending_rows": pending_rows or 0,
        "publication_id": pub,
        "pending_publication_id": pending_pub,
    }


def counts_by(con: duckdb.DuckDBPyConnection, on, by: str) -> pl.DataFrame:
    """Counts on a day (None: the newest) grouped by state, model or agency type; or by month: each
    month-end up to that day."""
    on = on or latest_date(con)
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
    sql = f"""
        WITH months AS ({_MONTHS}),
        pubs AS (
            SELECT m.month, m.as_of AS day,
                   (SELECT publication_id FROM in_effect e WHERE e.kind = 'participating' AND e.from_date <= m.as_of
                    ORDER BY from_date DESC LIMIT 1) AS pub,
                   (SELECT publication_id FROM in_effect e WHERE e.kind = 'pending' AND e.from_date <= m.as_of
                    ORDER BY from_date DESC LIMIT 1) AS pending_pub
            FROM months m)
        SELECT p.month, p.day AS as_of, pb.rows, coalesce(c.agreements, 0) AS agreements,
               coalesce(c.agencies, 0) AS agencies, coalesce(c.jem, 0) AS jem, coalesce(c.tfm, 0) AS tfm,
               coalesce(c.wso, 0) AS wso,
               (SELECT count(*) FROM publication_agreements WHERE publication_id = p.pending_pub) AS pending,
               p.pub AS publication_id
        FROM pubs p LEFT JOIN publications pb ON pb.publication_id = p.pub
        LEFT JOIN publication_counts c ON c.publication_id = p.pub
        ORDER BY p.month
    """
    return _frame(con, sql, {"on": on})


# The columns and orders of the lists, shared with the in-memory answers (answers.py). Every order
# ends in a key, so that a list has one order and the two can be compared row by row.
AGREEMENT_COLUMNS = """a.agreement_id, a.agency_id, a.agency_name, a.state, a.model, a.signed, a.status, a.first_listed,
    a.last_listed, a.ended_on, a.county, a.agency_type, a.moa_url, a.moa_state, a.superseded_by, a.supersedes,
    a.pending_first_listed, a.days_pending_to_signed, a.n_spells, a.names"""
AGREEMENT_ORDER = "a.state, a.agency_name, a.model, a.signed, a.agreement_id"
EVENT_COLUMNS = """date, kind, agency_id, agreement_id, state, model, agency_name, signed, previous_name, previous_signed,
    moa_url, previous_moa_url, related_agreement_id, rule, previous_date, from_publication_id, to_publication_id"""
EVENT_ORDER = "date, state, agency_name, kind, agreement_id, agency_id, from_publication_id, to_publication_id"
# an agency on a day: `models` and `agreements` are its agreements listed that day
AGENCY_COLUMNS = """a.agency_id, a.name, a.state, a.jurisdiction_level, a.county_fips, {models} AS models, a.county_fips_all,
    a.ori, a.county_method, a.level_method, {agreements} AS agreements, a.names"""
AGENCY_ORDER = "a.state, a.name, a.agency_id"
AGENCY_AGREEMENT_ORDER = "model, signed, agreement_id"


def agreements(
    con: duckdb.DuckDBPyConnection,
    on=None,
    state=None,
    model=None,
    status=None,
    as_json: bool = False,
    newest: bool = False,
):
    """Agreements listed on a day (participating list; with status pending, the pending list), or all
    agreements when no day is given (`newest`: the newest day instead); filtered by state, model and
    status."""
    _, pub, pending_pub = _day_and_publications(con, on) if on is not None or newest else (None, None, None)
    sql = f"""
        SELECT {AGREEMENT_COLUMNS}
        FROM agreements a
        WHERE (NOT $listed OR a.agreement_id IN (SELECT agreement_id FROM publication_agreements WHERE publication_id = $pub))
          AND ($state::VARCHAR IS NULL OR a.state = $state) AND ($model::VARCHAR IS NULL OR a.model = $model)
          AND ($status::VARCHAR IS NULL OR a.status = $status)
        ORDER BY {AGREEMENT_ORDER}
    """
    params = {
        "listed": on is not None or newest,
        "pub": pending_pub if status in ("pending", "pending_removed") else pub,
        "state": state,
        "model": model,
        "status": status,
    }
    return _result(con, sql, params, as_json)


def find_agencies(con: duckdb.DuckDBPyConnection, query: str) -> pl.DataFrame:
    """Agencies whose id is the query, or whose names contain every word of it (any spelling seen)."""
    words = [w for w in query.lower().replace("'", "").split() if w]
    sql = """
        SELECT agency_id, name, state, status, models, n_agreements FROM agencies
        WHERE agency_id = $q OR list_bool_and([
              list_bool_or([contains(replace(lower(n), '''', ''), w) FOR n IN names] || [contains(lower(agency_id), w)])
              FOR w IN $words])
        ORDER BY agency_id = $q DESC,
                 -- whole words first: 'harris county' finds Harris County before Harrison County
                 list_sum([contains(' ' || regexp_replace(lower(name), '[^a-z0-9]+', ' ', 'g') || ' ', ' ' || w || ' ')::INT
                           FOR w IN $words]) DESC,
                 status = 'active' DESC, agency_id
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
    return _frame(
        con, f"SELECT * FROM agreements WHERE agency_id = $a ORDER BY {AGENCY_AGREEMENT_ORDER}", {"a": agency_id}
    )


def changes(
    con: duckdb.DuckDBPyConnection,
    since=None,
    until=None,
    state=None,
    kind=None,
    agency_id=None,
    exclude=(),
    as_json: bool = False,
):
    """Events between two days (inclusive), each traceable to the two publications it compares;
    `exclude` leaves out kinds (e.g. the frequent moa_posted on a front page)."""
    sql = f"""
        SELECT {EVENT_COLUMNS}
        FROM events
        WHERE ($since::DATE IS NULL OR date >= $since) AND ($until::DATE IS NULL OR date <= $until)
          AND ($state::VARCHAR IS NULL OR state = $state) AND ($kind::VARCHAR IS NULL OR kind = $kind)
          AND ($agency::VARCHAR IS NULL OR agency_id = $agency) AND NOT list_contains($exclude, kind)
        ORDER BY {EVENT_ORDER}
    """
    params = {
        "since": since,
        "until": until,
        "state": state,
        "kind": kind,
        "agency": agency_id,
        "exclude": list(exclude) or [""],
    }
    return _result(con, sql, params, as_json)


# -- geography ------------------------------------------------------------------------------
def agencies(con: duckdb.DuckDBPyConnection, on=None, state=None, as_json: bool = False):
    """Agencies with an agreement listed on a day (default: the newest), placed: jurisdiction level,
    county FIPS, models."""
    _, pub, _ = _day_and_publications(con, on)
    sql = f"""
        WITH active AS (
            SELECT i.agency_id, list(DISTINCT g.model ORDER BY g.model) AS models, count(DISTINCT g.agreement_id) AS agreements
            FROM publication_agreements i JOIN agreements g USING (agreement_id)
            WHERE i.publication_id = $pub GROUP BY 1)
        SELECT {AGENCY_COLUMNS.format(models="active.models", agreements="active.agreements")}
        FROM active JOIN agencies a USING (agency_id)
        WHERE ($state::VARCHAR IS NULL OR a.state = $state)
        ORDER BY {AGENCY_ORDER}
    """
    return _result(con, sql, {"pub": pub, "state": state}, as_json)


_COVERED = "covered AS (SELECT * FROM publication_covered WHERE publication_id = $pub)"


# Per publication, the states where a statewide agency has an agreement listed; per state, its
# counties and people. Shared with answers.py, which reads them for every publication at once.
STATEWIDE_STATES = """
    SELECT pa.publication_id, list(DISTINCT a.state ORDER BY a.state) AS states
    FROM publication_agreements pa JOIN agencies a USING (agency_id) WHERE a.jurisdiction_level = 'state' GROUP BY 1
"""
STATE_TOTALS = "SELECT state, count(*) AS counties, sum(population)::BIGINT AS population FROM counties GROUP BY 1"


def coverage(con: duckdb.DuckDBPyConnection, on=None) -> dict:
    """Where at least one agreement applies on a day (default: the newest): counties (a local
    agency's counties, or every county of a state with a statewide agreement), states, and the people
    living there; overall, local agencies only, and by model."""
    day, pub, _ = _day_and_publications(con, on)
    counties_total, population_total, statewide = _one(
        con,
        f"""SELECT (SELECT count(*) FROM counties), (SELECT sum(population) FROM counties),
                   (SELECT states FROM ({STATEWIDE_STATES}) s WHERE s.publication_id = $pub)""",
        {"pub": pub},
    )
    measured = {
        (model, local): {"counties": c, "states": st, "population": int(pop)}
        for model, local, c, st, pop in con.execute(
            "SELECT model, local_only, counties, states, population FROM publication_coverage WHERE publication_id = $pub",
            {"pub": pub},
        ).fetchall()
    }
    return coverage_record(day, pub, measured, counties_total, population_total, statewide)


def coverage_record(day, pub, measured: dict, counties_total, population_total, statewide) -> dict:
    """The coverage answer from publication_coverage rows ((model, local_only) -> figures); shared
    with answers.py."""
    empty = {"counties": 0, "states": 0, "population": 0}
    every = measured.get(("*", False), empty)
    return {
        "on": str(day),
        **every,
        "local": measured.get(("*", True), empty),
        "counties_total": counties_total,
        "population_total": int(population_total or 0),
        "population_share": round(every["population"] / population_total, 4) if population_total else None,
        "statewide_agreements_in": statewide or [],
        "by_model": {m: measured.get((m, False), empty) for m in MODELS},
        "publication_id": pub,
    }


def coverage_by(con: duckdb.DuckDBPyConnection, on, by: str, state: str | None = None) -> pl.DataFrame:
    """Coverage per state (or one state) or per model on a day (None: the newest), or month by month
    (month-ends up to the day)."""
    on = on or latest_date(con)
    import polars

    if by == "model":
        c = coverage(con, on)
        return polars.DataFrame([{"model": m, **v} for m, v in c["by_model"].items()])
    if by == "month":
        rows = []
        for month, as_of in con.execute(_MONTHS, {"on": on}).fetchall():
            c = coverage(con, as_of)
            rows.append(
                {
                    "month": month,
                    "as_of": as_of,
                    **{k: c[k] for k in ("counties", "states", "population", "population_share")},
                    **{f"{m.lower()}_counties": c["by_model"][m]["counties"] for m in MODELS},
                }
            )
        return polars.DataFrame(rows)
    sql = f"""
        SELECT s.state, s.counties, t.counties AS counties_total, s.population, t.population AS population_total,
               s.statewide, s.models
        FROM publication_state_coverage s JOIN ({STATE_TOTALS}) t USING (state)
        WHERE s.publication_id = $pub AND ($state::VARCHAR IS NULL OR s.state = $state)
        ORDER BY s.population DESC NULLS LAST, s.state
    """
    return _frame(con, sql, {"pub": in_effect(con, on), "state": state})


_MONTHS = """
    SELECT strftime(m, '%Y-%m') AS month, least(last_day(m), $on::DATE) AS as_of
    FROM generate_series(date_trunc('month', (SELECT min(from_date) FROM in_effect)),
                         date_trunc('month', $on::DATE), INTERVAL 1 MONTH) t(m)
"""


def county_figures(con: duckdb.DuckDBPyConnection, on=None, as_json: bool = False):
    """One row per county for the map on a day (None: the newest): local agencies and agreements by
    model, statewide models."""
    sql = f"""
        WITH {_COVERED},
        per_county AS (
            SELECT fips, count(DISTINCT agency_id) FILTER (NOT statewide) AS agencies,
                   list(DISTINCT model ORDER BY model) FILTER (NOT statewide) AS local_models,
                   list(DISTINCT model ORDER BY model) FILTER (statewide) AS statewide_models
            FROM covered GROUP BY 1)
        SELECT co.fips, co.name, co.state, co.population, coalesce(p.agencies, 0) AS local_agencies,
               coalesce(p.local_models, []) AS local_models, coalesce(p.statewide_models, []) AS statewide_models,
               p.fips IS NOT NULL AS covered
        FROM counties co LEFT JOIN per_county p USING (fips)
        ORDER BY co.fips
    """
    return _result(con, sql, {"pub": in_effect(con, on or latest_date(con))}, as_json)


# -- pages ------------------------------------------------------------------------------------
def model_powers(con: duckdb.DuckDBPyConnection, model: str | None = None) -> pl.DataFrame:
    sql = "SELECT * FROM model_powers WHERE $model::VARCHAR IS NULL OR model = $model ORDER BY model, n"
    return _frame(con, sql, {"model": model})


def states(con: duckdb.DuckDBPyConnection, on, state: str | None = None) -> pl.DataFrame:
    """Every state or territory with an agreement ever (or one), with its counts on a day."""
    sql = """
        WITH flagged AS (
            SELECT a.*, pa.agreement_id IS NOT NULL AS listed
            FROM agreements a LEFT JOIN (SELECT agreement_id FROM publication_agreements WHERE publication_id = $pub) pa
                 USING (agreement_id)
            WHERE $state::VARCHAR IS NULL OR a.state = $state)
        SELECT state, count(*) FILTER (listed) AS agreements, count(DISTINCT agency_id) FILTER (listed) AS agencies,
               count(*) FILTER (listed AND model = 'JEM') AS jem, count(*) FILTER (listed AND model = 'TFM') AS tfm,
               count(*) FILTER (listed AND model = 'WSO') AS wso, count(*) AS agreements_ever
        FROM flagged GROUP BY 1 ORDER BY agreements DESC, 1
    """
    return _frame(con, sql, {"pub": in_effect(con, on), "state": state})


def state_summary(con: duckdb.DuckDBPyConnection, state: str, on=None) -> dict:
    """One state on a day (None: the newest): its counts and where its agreements apply (coverage is
    None when no agreement applies there)."""
    on = on or latest_date(con)
    counts = states(con, on, state).to_dicts()
    covered = coverage_by(con, on, "state", state).to_dicts()
    return {
        "state": state,
        "on": str(on),
        **(
            {k: v for k, v in counts[0].items() if k != "state"}
            if counts
            else {"agreements": 0, "agencies": 0, "jem": 0, "tfm": 0, "wso": 0, "agreements_ever": 0}
        ),
        "coverage": {k: v for k, v in covered[0].items() if k != "state"} if covered else None,
    }


def county_agencies(con: duckdb.DuckDBPyConnection, fips: str, on) -> pl.DataFrame:
    """Agencies with an agreement on a day in one county, local ones first, then statewide ones."""
    sql = """
        WITH active AS (
            SELECT i.agency_id, list(DISTINCT g.model ORDER BY g.model) AS models
            FROM publication_agreements i JOIN agreements g USING (agreement_id) WHERE i.publication_id = $pub GROUP BY 1)
        SELECT a.agency_id, a.name, a.jurisdiction_level, active.models
        FROM active JOIN agencies a USING (agency_id)
        WHERE a.agency_id IN (SELECT agency_id FROM agency_counties WHERE county_fips = $fips)
           OR (a.jurisdiction_level = 'state' AND a.state = (SELECT state FROM counties WHERE fips = $fips))
        ORDER BY a.jurisdiction_level = 'state', a.name
    """
    return _frame(con, sql, {"pub": in_effect(con, on), "fips": fips})


def county(con: duckdb.DuckDBPyConnection, fips: str) -> dict | None:
    row = _one(con, "SELECT fips, name, state, population FROM counties WHERE fips = $f", {"f": fips})
    return dict(zip(("fips", "name", "state", "population"), row)) if row else None
