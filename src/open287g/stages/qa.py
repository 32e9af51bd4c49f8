"""QA invariants, run as SQL on a freshly built warehouse before it is swapped in, and stored in
`qa_checks` (printed by `open287g check`).

status: pass | fail (an invariant is broken: `check` exits 1) | warn (data to look at, nothing broken)
| info (a fact worth knowing, e.g. the day ICE swapped its two links)."""

from __future__ import annotations

import duckdb

from . import signing

MAX_ITEMS = 50

# (name, status when items are found, sentence, SQL returning one text column: the offending items)
CHECKS: list[tuple[str, str, str, str]] = [
    (
        "publication_rows_stored",
        "fail",
        "publications whose row count differs from their stored rows",
        """SELECT p.publication_id FROM publications p
           LEFT JOIN (SELECT publication_id, count(*) n FROM publication_rows GROUP BY 1) r USING (publication_id)
           WHERE p.rows <> coalesce(r.n, 0)""",
    ),
    (
        "files_in_one_publication",
        "fail",
        "files whose data rows differ from the publication they were collapsed into",
        """SELECT f.sha256 FROM files f JOIN publications p USING (publication_id)
           WHERE f.status = 'ok' AND f.data_rows <> p.rows""",
    ),
    (
        "observation_dates",
        "fail",
        "publications without a consistent observation date range",
        """SELECT publication_id FROM publications
           WHERE len(observed_dates) = 0 OR first_observed > last_observed
              OR first_observed <> list_min(observed_dates) OR last_observed <> list_max(observed_dates)""",
    ),
    (
        "rows_traceable",
        "fail",
        "publication rows whose values are missing",
        """SELECT publication_id || ' row ' || row_number
           FROM publication_rows LEFT JOIN row_values USING (row_hash) WHERE row_values.row_hash IS NULL""",
    ),
    (
        "unmapped_state",
        "fail",
        "STATE values with no normalisation rule (add a row to data/state_variants.csv)",
        "SELECT DISTINCT '''' || state_raw || '''' FROM row_values WHERE state IS NULL AND trim(state_raw) <> ''",
    ),
    (
        "unmapped_model",
        "fail",
        "SUPPORT TYPE values with no normalisation rule (add a row to data/models.csv)",
        "SELECT DISTINCT '''' || model_raw || '''' FROM row_values WHERE model IS NULL AND trim(model_raw) <> ''",
    ),
    (
        "unmapped_agency_type",
        "fail",
        "TYPE values with no normalisation rule (add a row to data/agency_types.csv)",
        "SELECT DISTINCT '''' || type_raw || '''' FROM row_values WHERE type_rule = 'unmapped'",
    ),
    (
        "unparsed_signed",
        "fail",
        "SIGNED values that are not a date",
        "SELECT DISTINCT '''' || signed_raw || '''' FROM row_values WHERE signed_rule = 'unparsed'",
    ),
    (
        "blank_signed",
        "warn",
        "participating rows without a signing date",
        """SELECT DISTINCT agency || ' (' || coalesce(state, state_raw) || ')' FROM roster_rows
           WHERE kind = 'participating' AND signed_rule = 'blank'""",
    ),
    (
        "blank_model",
        "warn",
        "rows without a SUPPORT TYPE",
        """SELECT DISTINCT agency || ' (' || coalesce(state, state_raw) || ')' FROM row_values
           WHERE trim(model_raw) = ''""",
    ),
    (
        "moa_link_without_target",
        "warn",
        "agencies whose MOA cell says 'link' but carries no hyperlink (the re-saved copy, 'link | addendum' cells)",
        """SELECT DISTINCT agency || ' (' || coalesce(state, state_raw) || ')' FROM row_values
           WHERE moa_state = 'no_target'""",
    ),
    (
        "rejected_files",
        "warn",
        "files kept in the archive but not readable as a roster",
        "SELECT names[1] || ' (' || left(sha256, 12) || '): ' || error FROM files WHERE status = 'rejected'",
    ),
    (
        "suspect_publications",
        "warn",
        "postings (new files) that collapse against their neighbours; they never create endings",
        """SELECT file_name || ' (' || first_observed || ', ' || publication_id || '): ' || status_reason
           FROM postings WHERE status = 'suspect'""",
    ),
    (
        "backfilled_postings",
        "info",
        "files first seen after a later posting (copies of an earlier posting), put in their place in the past",
        """SELECT kind || ' ' || file_name || ': saved ' || posted_at || ', first seen ' || first_observed
                  || ', in effect from ' || effective_from
           FROM postings WHERE backfilled""",
    ),
    (
        "duplicate_rows",
        "info",
        "rows repeating another row of their publication (the same agency's MOA link under a second date, or "
        "the same name, model and date under another state), folded into the original",
        """SELECT state || ' ' || agency_name || ' ' || coalesce(model, '') || ' ' || coalesce(signed::VARCHAR, '')
                  || ' (' || rule || ', in ' || n || CASE WHEN n = 1 THEN ' publication' ELSE ' publications' END
                  || ' from ' || since || ') -> ' || agreement_id
           FROM (SELECT state, agency_name, model, signed, rule, agreement_id, count(*) AS n, min(first_date) AS since
                 FROM folded_rows GROUP BY ALL)""",
    ),
    (
        "relabels",
        "info",
        "rows relabelled under another name with the same state, model and date (one agreement continues)",
        """SELECT state || ' ' || model || ' ' || coalesce(old_signed::VARCHAR, '') || ': ' || old_name || ' -> '
                  || new_name || ' (' || date || coalesce(', ' || decision, '') || ')'
           FROM identity_links WHERE kind = 'relabel'""",
    ),
    (
        "moa_mislinked",
        "warn",
        "MOA links that name another agency of the state: not taken as the agreement's MOA",
        """SELECT agreement_id || ' on ' || date || ': ' || regexp_extract(moa_url, '[^/]*$') || ' ' || rule
           FROM events WHERE kind = 'moa_mislinked'""",
    ),
    (
        "signed_settled",
        "info",
        "signing dates settled against ICE's SIGNED (the reviewed table data/signed_date_fixes.csv, or the MOA's "
        "year); ICE's value stays in signed_listed",
        """SELECT agreement_id || ': SIGNED ' || signed_listed || ' -> ' || signed || ' (' || signed_basis || ')'
           FROM agreements WHERE signed_basis IN ('reviewed', 'moa_year')""",
    ),
    (
        "signed_vs_moa_date",
        "warn",
        f"agreements whose MOA file name gives a date more than {signing.DISAGREE_DAYS} days from the signing "
        "date shown",
        f"""SELECT agreement_id || ': signed ' || signed || ', MOA file ' || moa_file_date
           FROM agreements WHERE abs(date_diff('day', signed, moa_file_date)) > {signing.DISAGREE_DAYS}""",
    ),
    (
        "kind_matches_log",
        "warn",
        "files whose observation log states a kind other than their content",
        """SELECT array_to_string(names, ', ') || ': log says ' || array_to_string(kind_hints, '/')
                  || ', content is ' || kind
           FROM files WHERE status = 'ok' AND len(kind_hints) > 0 AND NOT list_contains(kind_hints, kind)""",
    ),
    (
        "point_in_time_reconciles",
        "fail",
        "ok participating postings whose agreements (from their rows) differ from the agreements whose spells "
        "cover them",
        """WITH posts AS (SELECT sha256, publication_id, seq FROM postings
                         WHERE kind = 'participating' AND status = 'ok'),
           by_rows AS (SELECT DISTINCT p.sha256, i.agreement_id
                       FROM row_identity i JOIN posts p USING (publication_id)),
           by_spells AS (SELECT DISTINCT p.sha256, s.agreement_id FROM posts p
                         JOIN agreement_spells s ON p.seq BETWEEN s.first_seq AND s.last_seq)
           SELECT DISTINCT sha256 FROM ((SELECT * FROM by_rows EXCEPT SELECT * FROM by_spells)
                                        UNION ALL (SELECT * FROM by_spells EXCEPT SELECT * FROM by_rows))""",
    ),
    (
        "every_row_identified",
        "fail",
        "rows of ok publications without an agency or agreement",
        """SELECT r.publication_id || ' row ' || r.row_number
           FROM publication_rows r JOIN publications p USING (publication_id)
           LEFT JOIN row_identity i USING (publication_id, row_number)
           WHERE p.status = 'ok' AND (i.agency_id IS NULL OR i.agreement_id IS NULL)""",
    ),
    (
        "active_and_ended",
        "fail",
        "agreements that are active yet carry an ending",
        """SELECT agreement_id FROM agreements a WHERE status = 'active' AND (ended_on IS NOT NULL OR
             (SELECT kind FROM events e
              WHERE e.agreement_id = a.agreement_id
                AND kind IN ('listed', 'relisted', 'ended', 'superseded', 'delisted')
              ORDER BY date DESC,
                       CASE kind WHEN 'ended' THEN 1 WHEN 'superseded' THEN 1 WHEN 'delisted' THEN 1 ELSE 0 END DESC
              LIMIT 1)
             IN ('ended', 'superseded', 'delisted'))""",
    ),
    (
        "events_traceable",
        "fail",
        "events whose two files are not consecutive ok postings of one list, or not of the publications named",
        """WITH ok AS (SELECT sha256, publication_id, kind, row_number() OVER (PARTITION BY kind ORDER BY seq) n
                      FROM postings WHERE status = 'ok')
           SELECT e.kind || ' ' || coalesce(e.agreement_id, e.agency_id) || ' on ' || e.date FROM events e
           LEFT JOIN ok a ON a.sha256 = e.from_sha256
           LEFT JOIN ok b ON b.sha256 = e.to_sha256
           WHERE a.n IS NULL OR b.n IS NULL OR a.kind <> b.kind OR b.n <> a.n + 1
              OR a.publication_id <> e.from_publication_id OR b.publication_id <> e.to_publication_id""",
    ),
    (
        "identity_review",
        "warn",
        "doubtful name pairs the reviewed alias table (data/agency_aliases.csv) does not settle; kept apart",
        """SELECT state || ' ' || model || ' ' || coalesce(old_signed::VARCHAR, '') || ': '
                  || old_name || ' -> ' || new_name || ' (' || rule || ', ' || date || ')'
           FROM identity_links WHERE kind = 'doubtful' AND decision IS NULL""",
    ),
    (
        "rows_merged_by_identity",
        "info",
        "publications where two distinct rows are one agreement (spelling duplicates listed side by side)",
        """SELECT publication_id || ': ' || p.distinct_rows || ' distinct rows, '
                  || count(DISTINCT i.agreement_id) || ' agreements'
           FROM publications p JOIN row_identity i USING (publication_id)
           WHERE p.status = 'ok' AND p.kind = 'participating' GROUP BY publication_id, p.distinct_rows
           HAVING count(DISTINCT i.agreement_id) <> p.distinct_rows""",
    ),
    (
        "agency_counties_disagree",
        "warn",
        "agencies whose rows name two different counties (not one county respelt): check identity and place",
        """SELECT agency_id || ': ' || array_to_string(sheet_county_fips, ', ') FROM agencies
           WHERE len(sheet_county_fips) > 1 AND jurisdiction_level <> 'state'""",
    ),
    (
        "sheet_county_overruled",
        "info",
        "municipal agencies placed by the FBI roster against the sheet's COUNTY cell",
        """SELECT agency_id || ' -> ' || array_to_string(county_fips_all, '|') FROM agencies
           WHERE county_method = 'fbi_roster_over_sheet'""",
    ),
    (
        "active_without_county",
        "warn",
        "active non-state agencies without a county FIPS",
        """SELECT agency_id FROM agencies
           WHERE status = 'active' AND jurisdiction_level <> 'state' AND county_fips IS NULL""",
    ),
    (
        "kind_by_content",
        "info",
        "files whose name says one list and whose content is the other (kind follows content)",
        """SELECT array_to_string(names, ', ') || ': published as ' || array_to_string(published_as, '/')
                  || ', content is ' || kind
           FROM files WHERE status = 'ok' AND len(published_as) > 0 AND NOT list_contains(published_as, kind)""",
    ),
    (
        "documents_linked",
        "fail",
        "documents linked to an agreement the warehouse does not have",
        """SELECT l.sha256[:12] || ' -> ' || l.agreement_id FROM document_links l
           LEFT JOIN agreements a USING (agreement_id) WHERE a.agreement_id IS NULL""",
    ),
    (
        "documents_unmatched",
        "warn",
        "readable MOA documents linked to no agreement (listed, never guessed)",
        """SELECT file_name || ' (' || sha256[:12] || ')' FROM documents
           WHERE status = 'ok' AND len(agreement_ids) = 0 ORDER BY 1""",
    ),
    (
        "documents_mislinked",
        "info",
        "roster links to an MOA whose text contradicts the agreement (ICE linked another agency's or model's file)",
        """SELECT l.agreement_id || ': ' || d.file_name || ' (' || l.reason || ')' FROM document_links l
           JOIN documents d USING (sha256) WHERE l.status = 'mismatch' ORDER BY 1""",
    ),
    (
        "documents_model_unread",
        "warn",
        "readable MOA documents whose model the text does not say",
        "SELECT file_name FROM documents WHERE status = 'ok' AND model IS NULL ORDER BY 1",
    ),
    (
        "documents_ocr",
        "info",
        "MOA documents with pages read by OCR (scans without a text layer)",
        """SELECT file_name || ': pages ' || array_to_string(ocr_pages, ',') FROM documents
           WHERE len(ocr_pages) > 0 ORDER BY 1""",
    ),
]


def run(con: duckdb.DuckDBPyConnection) -> list[dict]:
    out = []
    for name, status, detail, sql in CHECKS:
        items = sorted(str(x) for (x,) in con.execute(sql).fetchall())
        out.append(
            {
                "check_name": name,
                "status": status if items else "pass",
                "n": len(items),
                "detail": detail,
                "items": items[:MAX_ITEMS],
            }
        )
    repairs = con.execute(
        """SELECT fix, count(*) FROM (
               SELECT unnest(list_concat(coalesce(moa_repairs, []), coalesce(addendum_repairs, []))) fix
               FROM roster_rows)
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
