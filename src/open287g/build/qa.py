"""QA invariants over the built tables, stored in `qa_checks` and printed by `open287g check`.

status: pass | fail (an invariant is broken: `check` exits 1) | warn (data to look at, nothing broken)
| info (a fact worth knowing, e.g. the day ICE swapped its two links)."""

from __future__ import annotations

from collections import Counter

from ..domain.vocab import is_missing

MAX_ITEMS = 50


def _check(name: str, bad: list[str], detail: str, fail_status: str = "fail", ok_detail: str | None = None) -> dict:
    return {
        "check_name": name,
        "status": fail_status if bad else "pass",
        "n": len(bad),
        "detail": detail if bad else (ok_detail or detail),
        "items": sorted(bad)[:MAX_ITEMS],
    }


def run(tables: dict[str, list[dict]]) -> list[dict]:
    pubs, files, rows = tables["publications"], tables["files"], tables["roster_rows"]
    ok_pubs = {p["publication_id"] for p in pubs if p["status"] != "rejected"}
    counted = Counter(r["publication_id"] for r in rows)
    pub_rows = {p["publication_id"]: p["rows"] for p in pubs}
    checks = [
        _check(
            "publication_rows_stored",
            [p["publication_id"] for p in pubs if p["rows"] != counted.get(p["publication_id"], 0)],
            "publications whose row count differs from their stored roster rows",
        ),
        _check(
            "files_in_one_publication",
            [
                f["sha256"]
                for f in files
                if f["status"] == "ok"
                and f["data_rows"] != pub_rows[f["publication_id"]]
            ],
            "files whose data rows differ from the publication they were collapsed into",
        ),
        _check(
            "observation_dates",
            [p["publication_id"] for p in pubs if not p["observed_dates"] or p["first_observed"] > p["last_observed"]],
            "publications without a consistent observation date range",
        ),
    ]
    for column, label in (("state", "STATE"), ("model", "SUPPORT TYPE"), ("agency_type", "TYPE")):
        raw = "type_raw" if column == "agency_type" else f"{column}_raw"
        bad = sorted({f"{r[raw]!r}" for r in rows if r[column] is None and r[raw] and r[raw].strip() and not is_missing(r[raw])})
        checks.append(_check(f"unmapped_{column}", bad, f"{label} values with no normalisation rule (add a row to the data table)"))
    bad = sorted({f"{r['publication_id']} row {r['row_number']}: {r['signed_raw']!r}" for r in rows if r["signed_rule"] == "unparsed"})
    checks.append(_check("unparsed_signed", bad, "SIGNED values that are not a date"))
    blank_signed = [f"{r['publication_id']} row {r['row_number']}" for r in rows if r["kind"] == "participating" and r["signed_rule"] == "blank"]
    checks.append(_check("blank_signed", blank_signed, "participating rows without a signing date", "warn"))
    blank_model = [f"{r['publication_id']} row {r['row_number']}" for r in rows if not (r["model_raw"] or "").strip()]
    checks.append(_check("blank_model", blank_model, "rows without a SUPPORT TYPE", "warn"))
    no_target = sorted(
        {f"{r['publication_id']}: {r['agency']}" for r in rows if r["moa_state"] == "no_target" and r["publication_id"] in ok_pubs}
    )
    checks.append(_check("moa_link_without_target", no_target, "MOA cells that say 'link' but carry no hyperlink (re-saved copies)", "warn"))
    repaired = Counter(fix for r in rows for fix in (r["moa_repairs"] or []) + (r["addendum_repairs"] or []))
    checks.append(
        {
            "check_name": "link_repairs",
            "status": "info",
            "n": sum(repaired.values()),
            "detail": "hyperlink targets unwrapped or repaired: "
            + (", ".join(f"{k} {v}" for k, v in sorted(repaired.items())) or "none"),
            "items": [],
        }
    )
    rejected = [f"{f['names'][0]} ({f['sha256'][:12]}): {f['error']}" for f in files if f["status"] == "rejected"]
    checks.append(_check("rejected_files", rejected, "files kept in the archive but not readable as a roster", "warn", "every archived file is a readable roster"))
    suspect = [f"{p['publication_id']} ({p['first_observed']}): {p['status_reason']}" for p in pubs if p["status"] == "suspect"]
    checks.append(_check("suspect_publications", suspect, "publications that collapse against their neighbours; they never create endings", "warn"))
    swapped = [
        f"{', '.join(f['names'])}: published as {'/'.join(f['published_as'])}, content is {f['kind']}"
        for f in files
        if f["status"] == "ok" and f["published_as"] and f["kind"] not in f["published_as"]
    ]
    checks.append(_check("kind_by_content", swapped, "files whose name says one list and whose content is the other (kind follows content)", "info", "every file name agrees with its content"))
    hint_bad = [
        f"{', '.join(f['names'])}: observation log says {'/'.join(f['kind_hints'])}, content is {f['kind']}"
        for f in files
        if f["status"] == "ok" and f["kind_hints"] and f["kind"] not in f["kind_hints"]
    ]
    checks.append(_check("kind_matches_log", hint_bad, "files whose observation log states a kind other than their content", "warn"))
    return checks
