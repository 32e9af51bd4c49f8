"""The warehouse: one DuckDB file, always rebuilt whole from the archive into a new file and swapped in
with an atomic rename, so a crash or kill mid-build leaves the previous warehouse as it was."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

import duckdb

_LIST = "VARCHAR[]"
TABLES: dict[str, list[tuple[str, str]]] = {
    "meta": [("key", "VARCHAR"), ("value", "VARCHAR")],
    "files": [
        ("sha256", "VARCHAR"),
        ("size", "BIGINT"),
        ("names", _LIST),
        ("status", "VARCHAR"),
        ("error", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("kind_hints", _LIST),
        ("published_as", _LIST),
        ("layout", "VARCHAR"),
        ("sheet_name", "VARCHAR"),
        ("ignored_sheets", _LIST),
        ("creator", "VARCHAR"),
        ("workbook_modified", "TIMESTAMP"),
        ("header_row", "INTEGER"),
        ("data_rows", "INTEGER"),
        ("blank_rows", "INTEGER"),
        ("empty_columns", "INTEGER"),
        ("hyperlinks", "INTEGER"),
        ("content_hash", "VARCHAR"),
        ("publication_id", "VARCHAR"),
    ],
    "observations": [
        ("sha256", "VARCHAR"),
        ("observed_on", "DATE"),
        ("observed_at", "VARCHAR"),
        ("source", "VARCHAR"),
        ("name", "VARCHAR"),
        ("date_basis", "VARCHAR"),
        ("kind_hint", "VARCHAR"),
        ("http_status", "INTEGER"),
        ("etag", "VARCHAR"),
        ("last_modified", "VARCHAR"),
        ("content_type", "VARCHAR"),
    ],
    "publications": [
        ("publication_id", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("seq", "INTEGER"),
        ("status", "VARCHAR"),
        ("status_reason", "VARCHAR"),
        ("layout", "VARCHAR"),
        ("columns", _LIST),
        ("rows", "INTEGER"),
        ("distinct_rows", "INTEGER"),
        ("first_observed", "DATE"),
        ("last_observed", "DATE"),
        ("observed_dates", "DATE[]"),
        ("n_observations", "INTEGER"),
        ("sha256s", _LIST),
        ("file_names", _LIST),
        ("content_hash", "VARCHAR"),
        ("previous_publication_id", "VARCHAR"),
        ("workbook_modified", "TIMESTAMP"),
        ("n_postings", "INTEGER"),
    ],
    "postings": [
        ("sha256", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("seq", "INTEGER"),
        ("publication_id", "VARCHAR"),
        ("file_name", "VARCHAR"),
        ("posted_at", "TIMESTAMP"),
        ("posted_by", "VARCHAR"),
        ("daypart", "INTEGER"),
        ("first_observed", "DATE"),
        ("effective_from", "DATE"),
        ("last_observed", "DATE"),
        ("observed_dates", "DATE[]"),
        ("backfilled", "BOOLEAN"),
        ("status", "VARCHAR"),
        ("status_reason", "VARCHAR"),
        ("previous_sha256", "VARCHAR"),
        ("previous_publication_id", "VARCHAR"),
    ],
    "row_values": [
        ("row_hash", "VARCHAR"),
        ("row_key", "VARCHAR"),
        ("state_raw", "VARCHAR"),
        ("state", "VARCHAR"),
        ("agency_raw", "VARCHAR"),
        ("agency", "VARCHAR"),
        ("agency_key", "VARCHAR"),
        ("type_raw", "VARCHAR"),
        ("agency_type", "VARCHAR"),
        ("type_rule", "VARCHAR"),
        ("county_raw", "VARCHAR"),
        ("county", "VARCHAR"),
        ("model_raw", "VARCHAR"),
        ("model", "VARCHAR"),
        ("signed_raw", "VARCHAR"),
        ("signed", "DATE"),
        ("signed_rule", "VARCHAR"),
        ("moa_text", "VARCHAR"),
        ("moa_target", "VARCHAR"),
        ("moa_url", "VARCHAR"),
        ("moa_repairs", _LIST),
        ("moa_state", "VARCHAR"),
        ("addendum_text", "VARCHAR"),
        ("addendum_target", "VARCHAR"),
        ("addendum_url", "VARCHAR"),
        ("addendum_repairs", _LIST),
        ("addendum_state", "VARCHAR"),
    ],
    "publication_rows": [("publication_id", "VARCHAR"), ("row_number", "INTEGER"), ("row_hash", "VARCHAR")],
    "hash_identity": [("row_hash", "VARCHAR"), ("agency_id", "VARCHAR"), ("agreement_id", "VARCHAR")],
    "pending_identity": [
        ("publication_id", "VARCHAR"),
        ("row_number", "INTEGER"),
        ("agency_id", "VARCHAR"),
        ("agreement_id", "VARCHAR"),
    ],
    "agencies": [
        ("agency_id", "VARCHAR"),
        ("state", "VARCHAR"),
        ("name", "VARCHAR"),
        ("names", _LIST),
        ("former_ids", _LIST),
        ("agency_type", "VARCHAR"),
        ("county", "VARCHAR"),
        ("first_seen", "DATE"),
        ("models", _LIST),
        ("n_agreements", "INTEGER"),
        ("status", "VARCHAR"),
        ("jurisdiction_level", "VARCHAR"),
        ("level_method", "VARCHAR"),
        ("county_fips", "VARCHAR"),
        ("county_fips_all", _LIST),
        ("county_method", "VARCHAR"),
        ("ori", "VARCHAR"),
        ("sheet_county_fips", _LIST),
    ],
    "agency_counties": [
        ("agency_id", "VARCHAR"),
        ("county_fips", "VARCHAR"),
        ("is_primary", "BOOLEAN"),
        ("method", "VARCHAR"),
    ],
    "counties": [("fips", "VARCHAR"), ("state", "VARCHAR"), ("name", "VARCHAR"), ("population", "BIGINT")],
    "cities": [("name", "VARCHAR"), ("state", "VARCHAR"), ("county_fips", _LIST)],
    "reference_agencies": [
        ("ori", "VARCHAR"),
        ("name", "VARCHAR"),
        ("state", "VARCHAR"),
        ("counties", _LIST),
        ("agency_type", "VARCHAR"),
    ],
    "agreements": [
        ("agreement_id", "VARCHAR"),
        ("agency_id", "VARCHAR"),
        ("state", "VARCHAR"),
        ("model", "VARCHAR"),
        ("agency_name", "VARCHAR"),
        ("agency_type", "VARCHAR"),
        ("county", "VARCHAR"),
        ("county_fips", "VARCHAR"),  # the FIPS of the county its agency is placed in (None: statewide)
        ("signed", "DATE"),
        ("first_signed", "DATE"),
        ("status", "VARCHAR"),
        ("first_listed", "DATE"),
        ("last_listed", "DATE"),
        ("listed_at_start_of_record", "BOOLEAN"),
        ("ended_on", "DATE"),
        ("superseded_by", "VARCHAR"),
        ("supersedes", "VARCHAR"),
        ("n_spells", "INTEGER"),
        ("moa_url", "VARCHAR"),
        ("moa_state", "VARCHAR"),
        ("addendum_url", "VARCHAR"),
        ("names", _LIST),
        ("former_ids", _LIST),
        ("pending_first_listed", "DATE"),
        ("pending_last_listed", "DATE"),
        ("days_pending_to_signed", "INTEGER"),
        ("signed_listed", "DATE"),
        ("signed_basis", "VARCHAR"),
        ("signed_reason", "VARCHAR"),
        ("moa_url_listed", "VARCHAR"),
        ("moa_file_date", "DATE"),
        ("moa_mislinked_to", "VARCHAR"),
        ("renewed_on", "DATE"),
        ("moa_sha256", "VARCHAR"),
        ("addendum_sha256", "VARCHAR"),
    ],
    "agreement_spells": [
        ("agreement_id", "VARCHAR"),
        ("spell", "INTEGER"),
        ("first_listed", "DATE"),
        ("last_listed", "DATE"),
        ("first_publication_id", "VARCHAR"),
        ("last_publication_id", "VARCHAR"),
        ("first_seq", "INTEGER"),
        ("last_seq", "INTEGER"),
    ],
    "events": [
        ("event_id", "VARCHAR"),
        ("date", "DATE"),
        ("kind", "VARCHAR"),
        ("agency_id", "VARCHAR"),
        ("agreement_id", "VARCHAR"),
        ("state", "VARCHAR"),
        ("model", "VARCHAR"),
        ("agency_name", "VARCHAR"),
        ("signed", "DATE"),
        ("moa_url", "VARCHAR"),
        ("from_publication_id", "VARCHAR"),
        ("to_publication_id", "VARCHAR"),
        ("from_sha256", "VARCHAR"),
        ("to_sha256", "VARCHAR"),
        ("previous_date", "DATE"),
        ("previous_name", "VARCHAR"),
        ("previous_signed", "DATE"),
        ("previous_moa_url", "VARCHAR"),
        ("moa_date", "DATE"),
        ("rule", "VARCHAR"),
        ("related_agreement_id", "VARCHAR"),
    ],
    "identity_links": [
        ("kind", "VARCHAR"),
        ("rule", "VARCHAR"),
        ("decision", "VARCHAR"),
        ("state", "VARCHAR"),
        ("model", "VARCHAR"),
        ("old_name", "VARCHAR"),
        ("new_name", "VARCHAR"),
        ("old_signed", "DATE"),
        ("new_signed", "DATE"),
        ("old_county", "VARCHAR"),
        ("new_county", "VARCHAR"),
        ("date", "DATE"),
        ("from_publication_id", "VARCHAR"),
        ("to_publication_id", "VARCHAR"),
        ("agreement_id", "VARCHAR"),
    ],
    "folded_rows": [
        ("publication_id", "VARCHAR"),
        ("row_number", "INTEGER"),
        ("rule", "VARCHAR"),
        ("state", "VARCHAR"),
        ("agency_name", "VARCHAR"),
        ("model", "VARCHAR"),
        ("signed", "DATE"),
        ("moa_url", "VARCHAR"),
        ("agreement_id", "VARCHAR"),
        ("first_date", "DATE"),
    ],
    "in_effect": [
        ("kind", "VARCHAR"),
        ("from_date", "DATE"),
        ("until_date", "DATE"),
        ("publication_id", "VARCHAR"),
        ("seq", "INTEGER"),
        ("sha256", "VARCHAR"),
    ],
    "model_powers": [
        ("model", "VARCHAR"),
        ("n", "INTEGER"),
        ("power_en", "VARCHAR"),
        ("power_es", "VARCHAR"),
        ("authority", "VARCHAR"),
        ("source", "VARCHAR"),
        ("clause_en", "VARCHAR"),
        ("clause_es", "VARCHAR"),
        ("match", "VARCHAR"),
        ("law_en", "VARCHAR"),
        ("law_es", "VARCHAR"),
        ("source_en", "VARCHAR"),
    ],
    "documents": [
        ("sha256", "VARCHAR"),
        ("file_name", "VARCHAR"),
        ("names", _LIST),
        ("folders", _LIST),
        ("status", "VARCHAR"),
        ("error", "VARCHAR"),
        ("size", "BIGINT"),
        ("first_observed", "DATE"),
        ("pages", "INTEGER"),
        ("ocr_pages", "INTEGER[]"),
        ("text_chars", "INTEGER"),
        ("model", "VARCHAR"),
        ("model_page", "INTEGER"),
        ("title", "VARCHAR"),
        ("template_revision", "VARCHAR"),
        ("revision_date", "DATE"),
        ("revision_page", "INTEGER"),
        ("family", "VARCHAR"),
        ("template", "VARCHAR"),
        ("template_reason", "VARCHAR"),
        ("agency", "VARCHAR"),
        ("agency_page", "INTEGER"),
        ("state", "VARCHAR"),
        ("state_basis", "VARCHAR"),
        ("county_body", "VARCHAR"),
        ("field_office", "VARCHAR"),
        ("field_office_page", "INTEGER"),
        ("lea_contact", "VARCHAR"),
        ("lea_contact_page", "INTEGER"),
        ("term_clause", "VARCHAR"),
        ("term_page", "INTEGER"),
        ("termination_clause", "VARCHAR"),
        ("termination_page", "INTEGER"),
        ("review_clause", "VARCHAR"),
        ("review_page", "INTEGER"),
        ("steering_committee", "VARCHAR"),
        ("steering_committee_page", "INTEGER"),
        ("n_authorities", "INTEGER"),
        ("authorities", _LIST),
        ("signed_on", "DATE"),
        ("addenda", _LIST),
        ("addenda_pages", "INTEGER[]"),
        ("agreement_ids", _LIST),
    ],
    "document_pages": [
        ("sha256", "VARCHAR"),
        ("page", "INTEGER"),
        ("text", "VARCHAR"),
        ("ocr", "BOOLEAN"),
        ("ocr_confidence", "DOUBLE"),
        ("layer_chars", "INTEGER"),
    ],
    "document_signatures": [
        ("sha256", "VARCHAR"),
        ("seq", "INTEGER"),
        ("block", "VARCHAR"),
        ("party", "VARCHAR"),
        ("name", "VARCHAR"),
        ("title", "VARCHAR"),
        ("date", "DATE"),
        ("date_kind", "VARCHAR"),
        ("date_reason", "VARCHAR"),
        ("page", "INTEGER"),
    ],
    "document_authorities": [
        ("sha256", "VARCHAR"),
        ("seq", "INTEGER"),
        ("model", "VARCHAR"),
        ("n", "INTEGER"),
        ("matched", "BOOLEAN"),
        ("text", "VARCHAR"),
        ("page", "INTEGER"),
        ("clause", "VARCHAR"),
        ("citation", "VARCHAR"),
    ],
    "document_departures": [
        ("sha256", "VARCHAR"),
        ("seq", "INTEGER"),
        ("template", "VARCHAR"),
        ("change", "VARCHAR"),
        ("section", "VARCHAR"),
        ("page", "INTEGER"),
        ("text", "VARCHAR"),
        ("template_text", "VARCHAR"),
        ("diff", "VARCHAR"),
    ],
    "template_changes": [
        ("seq", "INTEGER"),
        ("model", "VARCHAR"),
        ("before", "VARCHAR"),
        ("after", "VARCHAR"),
        ("change", "VARCHAR"),
        ("section", "VARCHAR"),
        ("before_text", "VARCHAR"),
        ("after_text", "VARCHAR"),
        ("diff", "VARCHAR"),
    ],
    "document_links": [
        ("sha256", "VARCHAR"),
        ("agreement_id", "VARCHAR"),
        ("agency_id", "VARCHAR"),
        ("role", "VARCHAR"),
        ("basis", "VARCHAR"),
        ("status", "VARCHAR"),
        ("checks", _LIST),
        ("reason", "VARCHAR"),
    ],
    # ICE's FOIA releases (stages/outcomes.py): each archived file, and its rows in our columns
    "foia_files": [
        ("sha256", "VARCHAR"),
        ("table_name", "VARCHAR"),
        ("foia_number", "VARCHAR"),
        ("title", "VARCHAR"),
        ("fiscal_year", "INTEGER"),
        ("columns", _LIST),
        ("rows", "BIGINT"),
        ("first_date", "DATE"),
        ("last_date", "DATE"),
        ("status", "VARCHAR"),  # ok | superseded (another file holds the same table, read instead) | rejected
        ("superseded_by", "VARCHAR"),
        ("error", "VARCHAR"),
        ("format", "VARCHAR"),  # lesa_text (the national releases) | xlsx | parquet | csv (sources/ddp.py)
        ("rows_counted", "BIGINT"),  # the rows whose days no newer file of the table covers
    ],
    "foia_arrests": [
        ("sha256", "VARCHAR"),
        ("fiscal_year", "INTEGER"),
        ("date", "DATE"),
        ("aor", "VARCHAR"),
        ("method", "VARCHAR"),
        ("landmark", "VARCHAR"),
        ("operation", "VARCHAR"),
        ("disposition", "VARCHAR"),
        ("citizenship", "VARCHAR"),
        ("gender", "VARCHAR"),
        ("state", "VARCHAR"),  # the newer releases (sources/ddp.py) only: the state as released, e.g. TEXAS
        ("program", "VARCHAR"),
        ("criminality", "VARCHAR"),  # ICE's label, e.g. "1 Convicted Criminal" (DOMAIN §5.2)
    ],
    "foia_detainers": [  # the newer releases (sources/ddp.py): detainers sent to jails and prisons
        ("sha256", "VARCHAR"),
        ("fiscal_year", "INTEGER"),
        ("date", "DATE"),  # prepared
        ("state", "VARCHAR"),  # the facility's, as released
        ("aor", "VARCHAR"),
        ("facility", "VARCHAR"),
        ("facility_code", "VARCHAR"),
        ("city", "VARCHAR"),
        ("program", "VARCHAR"),
        ("via_287g", "BOOLEAN"),  # the program names 287(g) (DOMAIN §5.2)
        ("method", "VARCHAR"),
        ("criminality", "VARCHAR"),
        ("lift_reason", "VARCHAR"),
        ("detainer_type", "VARCHAR"),
        ("citizenship", "VARCHAR"),
        ("gender", "VARCHAR"),
    ],
    "foia_encounters": [
        ("sha256", "VARCHAR"),
        ("fiscal_year", "INTEGER"),
        ("date", "DATE"),
        ("aor", "VARCHAR"),
        ("landmark", "VARCHAR"),
        ("operation", "VARCHAR"),
        ("disposition", "VARCHAR"),
        ("citizenship", "VARCHAR"),
        ("gender", "VARCHAR"),
    ],
    "foia_removals": [
        ("sha256", "VARCHAR"),
        ("fiscal_year", "INTEGER"),
        ("date", "DATE"),
        ("apprehension_date", "DATE"),
        ("departed_date", "DATE"),
        ("aor", "VARCHAR"),
        ("disposition", "VARCHAR"),
        ("citizenship", "VARCHAR"),
        ("gender", "VARCHAR"),
        ("threat_level", "VARCHAR"),
        ("charge", "VARCHAR"),
    ],
    "landmark_links": [  # each distinct (aor, landmark) of the arrests, or facility of the detainers, linked
        ("aor", "VARCHAR"),
        ("landmark", "VARCHAR"),
        ("text", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("state", "VARCHAR"),
        ("county_fips", "VARCHAR"),
        ("agency_id", "VARCHAR"),
        ("ori", "VARCHAR"),
        ("link", "VARCHAR"),  # agency | place | none
        ("basis", "VARCHAR"),  # reviewed | rule
        ("reason", "VARCHAR"),
        ("reason_es", "VARCHAR"),  # the same reason in Spanish (domain/link_reasons.py)
        ("suggestions", _LIST),
        ("arrests_287g", "BIGINT"),
        ("arrests", "BIGINT"),
        ("detainers_287g", "BIGINT"),  # detainers (sources/ddp.py) sent to the facility this text names
        ("detainers", "BIGINT"),
    ],
    # the linked arrests counted per place, agency and day once per build, so pages and the API never join the
    # arrests to their links (stages/landmarks.py `count_linked`)
    "linked_arrests": [
        ("state", "VARCHAR"),
        ("county_fips", "VARCHAR"),
        ("agency_id", "VARCHAR"),
        ("date", "DATE"),
        ("fiscal_year", "INTEGER"),
        ("arrests_287g", "BIGINT"),
        ("arrests", "BIGINT"),
    ],
    "operations": [  # announced operations, from data/operations.csv (domain/tables.py)
        ("operation_id", "VARCHAR"),
        ("name", "VARCHAR"),
        ("start_date", "DATE"),
        ("end_date", "DATE"),
        ("states", _LIST),
        ("place", "VARCHAR"),
        ("lead", "VARCHAR"),
        ("partners", "VARCHAR"),
        ("claimed_arrests", "INTEGER"),
        ("claimed_detail", "VARCHAR"),
        ("sources", _LIST),
        ("reviewed", "BOOLEAN"),
        ("note", "VARCHAR"),
    ],
    "state_laws": [  # our reviewed table data/state_laws.csv (domain/laws.py), DOMAIN §4
        ("law_id", "VARCHAR"),
        ("state", "VARCHAR"),
        ("year", "INTEGER"),
        ("instrument", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("signed_on", "DATE"),
        ("effective_on", "DATE"),
        ("effect", "VARCHAR"),
        ("status", "VARCHAR"),
        ("covers", "VARCHAR"),
        ("covers_text", "VARCHAR"),
        ("deadline", "DATE"),
        ("deadline_note", "VARCHAR"),
        ("summary_en", "VARCHAR"),
        ("summary_es", "VARCHAR"),
        ("citation_url", "VARCHAR"),
        ("sources", _LIST),
        ("verified", "BOOLEAN"),
        ("note", "VARCHAR"),
        ("in_force_from", "DATE"),
        ("in_force_basis", "VARCHAR"),
        ("review_from", "DATE"),
        ("counted", "BOOLEAN"),
    ],
    "law_coverage": [  # per counted mandate: each county and the agencies of ours that run its jail (stages/laws.py)
        ("law_id", "VARCHAR"),
        ("state", "VARCHAR"),
        ("county_fips", "VARCHAR"),
        ("county", "VARCHAR"),
        ("ori", "VARCHAR"),
        ("roster_name", "VARCHAR"),
        ("agency_id", "VARCHAR"),
        ("agency_name", "VARCHAR"),
        ("role", "VARCHAR"),
    ],
    "law_flags": [  # agreements listed after a ban or restriction calls for review: for review, not a finding
        ("law_id", "VARCHAR"),
        ("state", "VARCHAR"),
        ("effect", "VARCHAR"),
        ("law_verified", "BOOLEAN"),
        ("review_from", "DATE"),
        ("agreement_id", "VARCHAR"),
        ("agency_id", "VARCHAR"),
        ("agency_name", "VARCHAR"),
        ("model", "VARCHAR"),
        ("signed", "DATE"),
        ("first_listed", "DATE"),
        ("last_listed", "DATE"),
        ("status", "VARCHAR"),
        ("ended_on", "DATE"),
        ("signed_after_law", "BOOLEAN"),
        ("days_listed_after", "INTEGER"),
    ],
    "qa_checks": [
        ("check_name", "VARCHAR"),
        ("status", "VARCHAR"),
        ("n", "INTEGER"),
        ("detail", "VARCHAR"),
        ("items", _LIST),
    ],
}

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
        SELECT r.publication_id, p.kind, r.row_number, i.agency_id, i.agreement_id, v.*
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
