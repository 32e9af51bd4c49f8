"""QA invariants, run as SQL on a freshly built warehouse before it is swapped in, and stored in
`qa_checks` (printed by `open287g check`).

status: pass | fail (an invariant is broken: `check` exits 1) | warn (data to look at, nothing broken)
| info (a fact worth knowing, e.g. the day ICE swapped its two links)."""

from __future__ import annotations

import duckdb

from ..domain.vocab import MISSING_MARKERS

MAX_ITEMS = 50

# (name, status when items are found, sentence, SQL returning one text column: the offending items)
CHECKS: list[tuple[str, str, str, str]] = [
    (
        "publication_rows_stored", "fail",
        "publications whose row count differs from their stored rows",
        """SELECT p.publication_id FROM publications p
           LEFT JOIN (SELECT publication_id, count(*) n FROM publication_rows GROUP BY 1) r USING (publication_id)
           WHERE p.rows <> coalesce(r.n, 0)""",
    ),
    (
        "files_in_one_publication", "fail",
        "files whose data rows differ from the publication they were collapsed into",
        """SELECT f.sha256 FROM files f JOIN publications p USING (publication_id)
           WHERE f.status = 'ok' AND f.data_rows <> p.rows""",
    ),
    (
        "observation_dates", "fail",
        "publications without a consistent observation date range",
        """SELECT publication_id FROM publications
           WHERE len(observed_dates) = 0 OR first_observed > last_observed
              OR first_observed <> list_min(observed_dates) OR last_observed <> list_max(observed_dates)""",
    ),
    (
        "rows_traceable", "fail",
        "publication rows whose values are missing",
        "SELECT publication_id || ' row ' || row_number FROM publication_rows LEFT JOIN row_values USING (row_hash) WHERE row_values.row_hash IS NULL",
    ),
    (
        "unmapped_state", "fail",
        "STATE values with no normalisation rule (add a row to data/state_variants.csv)",
        "SELECT DISTINCT '''' || state_raw || '''' FROM row_values WHERE state IS NULL AND trim(state_raw) <> ''",
    ),
    (
        "unmapped_model", "fail",
        "SUPPORT TYPE values with no normalisation rule (add a row to data/models.csv)",
        "SELECT DISTINCT '''' || model_raw || '''' FROM row_values WHERE model IS NULL AND trim(model_raw) <> ''",
    ),
    (
        "unmapped_agency_type", "fail",
        "TYPE values with no normalisation rule (add a row to data/agency_types.csv)",
        """SELECT DISTINCT '''' || type_raw || '''' FROM row_values
           WHERE agency_type IS NULL AND lower(trim(type_raw)) NOT IN ("""
        + ", ".join(f"'{m}'" for m in MISSING_MARKERS)
        + ")",
    ),
    (
        "unparsed_signed", "fail",
        "SIGNED values that are not a date",
        "SELECT DISTINCT '''' || signed_raw || '''' FROM row_values WHERE signed_rule = 'unparsed'",
    ),
    (
        "blank_signed", "warn",
        "participating rows without a signing date",
        """SELECT DISTINCT agency || ' (' || coalesce(state, state_raw) || ')' FROM roster_rows
           WHERE kind = 'participating' AND signed_rule = 'blank'""",
    ),
    (
        "blank_model", "warn",
        "rows without a SUPPORT TYPE",
        "SELECT DISTINCT agency || ' (' || coalesce(state, state_raw) || ')' FROM row_values WHERE trim(model_raw) = ''",
    ),
    (
        "moa_link_without_target", "warn",
        "agencies whose MOA cell says 'link' but carries no hyperlink (the re-saved copy, 'link | addendum' cells)",
        "SELECT DISTINCT agency || ' (' || coalesce(state, state_raw) || ')' FROM row_values WHERE moa_state = 'no_target'",
    ),
    (
        "rejected_files", "warn",
        "files kept in the archive but not readable as a roster",
        "SELECT names[1] || ' (' || left(sha256, 12) || '): ' || error FROM files WHERE status = 'rejected'",
    ),
    (
        "suspect_publications", "warn",
        "publications that collapse against their neighbours; they never create endings",
        "SELECT publication_id || ' (' || first_observed || '): ' || status_reason FROM publications WHERE status = 'suspect'",
    ),
    (
        "kind_matches_log", "warn",
        "files whose observation log states a kind other than their content",
        """SELECT array_to_string(names, ', ') || ': log says ' || array_to_string(kind_hints, '/') || ', content is ' || kind
           FROM files WHERE status = 'ok' AND len(kind_hints) > 0 AND NOT list_contains(kind_hints, kind)""",
    ),
    (
        "kind_by_content", "info",
        "files whose name says one list and whose content is the other (kind follows content)",
        """SELECT array_to_string(names, ', ') || ': published as ' || array_to_string(published_as, '/') || ', content is ' || kind
           FROM files WHERE status = 'ok' AND len(published_as) > 0 AND NOT list_contains(published_as, kind)""",
    ),
]


def run(con: duckdb.DuckDBPyConnection) -> list[dict]:
    out = []
    for name, status, detail, sql in CHECKS:
        items = sorted(str(x) for (x,) in con.execute(sql).fetchall())
        out.append(
            {"check_name": name, "status": status if items else "pass", "n": len(items), "detail": detail, "items": items[:MAX_ITEMS]}
        )
    repairs = con.execute(
        """SELECT fix, count(*) FROM (
               SELECT unnest(list_concat(coalesce(moa_repairs, []), coalesce(addendum_repairs, []))) fix FROM roster_rows)
           GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    out.append(
        {
            "check_name": "link_repairs",
            "status": "info",
            "n": sum(n for _, n in repairs),
            "detail": "hyperlink targets unwrapped or repaired, over all publication rows: "
            + (", ".join(f"{k} {v}" for k, v in repairs) or "none"),
            "items": [],
        }
    )
    return out
