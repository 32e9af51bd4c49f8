"""The named queries about MOA documents: the list, one document whole, an agency's documents,
full-text search, and the archived file behind any id (`/files/{sha256}`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import search as fts

if TYPE_CHECKING:
    from . import Db

DOCUMENT_COLUMNS = """d.sha256, d.file_name, d.status, d.error, d.model, d.state, d.agency, d.template_revision,
    d.revision_date, d.signed_on, d.pages, d.ocr_pages, d.n_authorities, d.field_office, d.agreement_ids,
    d.first_observed, d.names"""
# The fields of a row of documents() and of a hit of search_documents(), in order (a CSV twin's header
# even when nothing matches).
DOCUMENT_FIELDS = (
    *(c.strip().removeprefix("d.") for c in DOCUMENT_COLUMNS.split(",")),
    "agency_ids",
    "agency_names",
)
HIT_FIELDS = ("sha256", "page", "snippet", "file_name", "agency", "state", "model", "signed_on")
MEDIA_TYPES = {
    "moa": "application/pdf",
    "participating": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pending": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "fbi_roster": "text/csv",
    "county_population": "text/csv",
}


def _rows(db: Db, sql: str, params: dict) -> list[dict[str, Any]]:
    from . import _cursor

    with _cursor(db) as con:
        rows = con.execute(f"SELECT to_json(t)::VARCHAR FROM ({sql}) t", params).fetchall()
    return [json.loads(r[0]) for r in rows]


def documents(
    db: Db,
    agency_id: str | None = None,
    status: str | None = None,
    state: str | None = None,
    model: str | None = None,
) -> list[dict[str, Any]]:
    """Every MOA document (newest signing first), or those linked to one agency's agreements; `state`
    and `model` keep the documents whose text (or file name) says that state, or that model. `agency_ids`
    are the agencies whose agreements it is linked to, `agency_names` their names (in the same order)."""
    sql = f"""
        WITH linked AS (
            SELECT DISTINCT l.sha256, l.agency_id, coalesce(g.name, l.agency_id) AS name
            FROM document_links l LEFT JOIN agencies g USING (agency_id) WHERE l.status = 'linked'
        )
        SELECT {DOCUMENT_COLUMNS},
               coalesce(list(l.agency_id ORDER BY l.agency_id) FILTER (l.agency_id IS NOT NULL), []) AS agency_ids,
               coalesce(list(l.name ORDER BY l.agency_id) FILTER (l.agency_id IS NOT NULL), []) AS agency_names
        FROM documents d LEFT JOIN linked l USING (sha256)
        WHERE ($status::VARCHAR IS NULL OR d.status = $status)
          AND ($state::VARCHAR IS NULL OR d.state = $state)
          AND ($model::VARCHAR IS NULL OR d.model = $model)
        GROUP BY ALL
        HAVING $agency::VARCHAR IS NULL OR list_contains(agency_ids, $agency)
        ORDER BY d.signed_on DESC NULLS LAST, d.state, d.agency, d.sha256
    """
    return _rows(db, sql, {"agency": agency_id, "status": status, "state": state, "model": model})


def document(db: Db, sha256: str) -> dict[str, Any] | None:
    """One document whole: its fields, signatures, authorities (with the canonical power in plain
    words), departures from its template, links and pages. A unique prefix of the sha256 will do."""
    found = _rows(db, "SELECT sha256 FROM documents WHERE starts_with(sha256, $s) ORDER BY 1 LIMIT 2", {"s": sha256})
    if len(found) != 1 or len(sha256) < 8:
        return None
    sha = found[0]["sha256"]
    doc = _rows(db, "SELECT * FROM documents WHERE sha256 = $s", {"s": sha})[0]
    doc["signatures"] = _rows(
        db,
        "SELECT block, party, name, title, date, date_kind, date_reason, page FROM document_signatures "
        "WHERE sha256 = $s ORDER BY seq",
        {"s": sha},
    )
    doc["authorities_matched"] = _rows(
        db,
        """SELECT a.n, a.matched, a.text, a.page, a.clause, a.citation, p.power_en, p.power_es, p.law_en, p.law_es,
                  p.clause_en, p.clause_es, p.source_en
           FROM document_authorities a LEFT JOIN model_powers p ON p.model = a.model AND p.n = a.n
           WHERE a.sha256 = $s ORDER BY a.seq""",
        {"s": sha},
    )
    doc["departures"] = _rows(
        db,
        "SELECT template, change, section, page, text, template_text, diff FROM document_departures "
        "WHERE sha256 = $s ORDER BY seq",
        {"s": sha},
    )
    doc["links"] = _rows(
        db,
        """SELECT l.agreement_id, l.agency_id, l.role, l.basis, l.status, l.checks, l.reason,
                  a.agency_name, a.model AS agreement_model, a.signed, a.status AS agreement_status
           FROM document_links l LEFT JOIN agreements a USING (agreement_id)
           WHERE l.sha256 = $s ORDER BY l.status, l.agreement_id""",
        {"s": sha},
    )
    doc["page_texts"] = _rows(
        db, "SELECT page, ocr, ocr_confidence, text FROM document_pages WHERE sha256 = $s ORDER BY page", {"s": sha}
    )
    return doc


def agreement_documents(db: Db, agency_id: str) -> dict[str, dict[str, Any]]:
    """agreement id -> its MOA on file (signers, authorities with the law in plain words, departures,
    addenda), for an agency page. `addendum_document` is the separate addendum PDF ICE links beside the
    MOA when it is on file ({sha256, file_name, pages, ocr_pages}), else None."""
    rows = _rows(
        db,
        """SELECT a.agreement_id, a.moa_sha256, a.addendum_sha256 FROM agreements a
           WHERE a.agency_id = $a AND a.moa_sha256 IS NOT NULL""",
        {"a": agency_id},
    )
    out = {}
    for r in rows:
        doc = document(db, r["moa_sha256"])
        if doc is not None:
            doc.pop("page_texts", None)
            doc["addendum_document"] = None
            if r["addendum_sha256"]:
                found = _rows(
                    db,
                    "SELECT sha256, file_name, pages, ocr_pages FROM documents WHERE sha256 = $s",
                    {"s": r["addendum_sha256"]},
                )
                doc["addendum_document"] = found[0] if found else None
            out[r["agreement_id"]] = doc
    return out


def agreement_links(db: Db, agency_id: str) -> dict[str, list[dict[str, Any]]]:
    """agreement id -> every document ICE's links (or its file name) tie to it, linked or not, with the
    reason a link was refused (`status` mismatch: the text contradicts the agreement, e.g. another agency's
    MOA); for an agency page to say which file ICE links and why it is not this agreement's MOA."""
    rows = _rows(
        db,
        """SELECT l.agreement_id, l.sha256, d.file_name, l.role, l.basis, l.status, l.checks, l.reason,
                  d.agency AS document_agency, d.state AS document_state, d.model AS document_model
           FROM document_links l JOIN documents d USING (sha256)
           WHERE l.agency_id = $a ORDER BY l.agreement_id, l.status, d.file_name, l.sha256""",
        {"a": agency_id},
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r.pop("agreement_id"), []).append(r)
    return out


def unmatched_documents(db: Db) -> list[dict[str, Any]]:
    """Readable documents linked to no agreement, with what was tried."""
    sql = f"""
        SELECT {DOCUMENT_COLUMNS}, list(l.reason) FILTER (l.reason IS NOT NULL) AS reasons
        FROM documents d LEFT JOIN document_links l USING (sha256)
        WHERE d.status = 'ok' AND len(d.agreement_ids) = 0
        GROUP BY ALL ORDER BY d.state, d.file_name
    """
    return _rows(db, sql, {})


def search_documents(
    db: Db,
    db_path: Path,
    text: str,
    limit: int = 50,
    offset: int = 0,
    agency_id: str | None = None,
    state: str | None = None,
    model: str | None = None,
) -> dict[str, Any]:
    """Pages of MOAs that contain every word of `text` (or its "quoted phrases"), best first, each with
    the matched passage: {query, total, limit, offset, hits: [{sha256, page, snippet, file_name, agency, state,
    model, signed_on}]} (every hit has every field of HIT_FIELDS). `agency_id`, `state` and `model` keep the
    pages of the documents documents() lists with the same filters."""
    from . import _cursor

    with _cursor(db) as con:
        path = fts.fresh(Path(db_path), con)
    if agency_id or state or model:
        allowed = {d["sha256"] for d in documents(db, agency_id, state=state, model=model)}
        hits, _ = fts.search(path, text, limit=100_000)
        hits = [h for h in hits if h.sha256 in allowed]
        total, hits = len(hits), hits[offset : offset + limit]
    else:
        hits, total = fts.search(path, text, limit, offset)
    meta = {
        d["sha256"]: d
        for d in _rows(
            db,
            "SELECT sha256, file_name, agency, state, model, signed_on FROM documents "
            "WHERE list_contains($shas, sha256)",
            {"shas": sorted({h.sha256 for h in hits}) or [""]},
        )
    }
    found = []
    for h in hits:
        about = meta.get(h.sha256, {})
        found.append(
            {**{k: about.get(k) for k in HIT_FIELDS}, "sha256": h.sha256, "page": h.page, "snippet": h.snippet}
        )
    return {"query": text, "total": total, "limit": limit, "offset": offset, "hits": found}


def archived_file(db: Db, sha256: str) -> dict[str, Any] | None:
    """What `/files/{sha256}` serves: the file's name as received, its media type and where the archive
    keeps it (None when the warehouse knows no such file)."""
    rows = _rows(db, "SELECT sha256, names, kind, size FROM files WHERE sha256 = $s", {"s": sha256.lower()})
    if not rows:
        return None
    meta = dict(_meta(db))
    root = meta.get("archive")
    f = rows[0]
    path = Path(root) / "objects" / f["sha256"][:2] / f["sha256"] if root else None
    name = (f["names"] or [f["sha256"]])[0]
    return {**f, "name": name, "media_type": MEDIA_TYPES.get(f["kind"] or "", "application/octet-stream"), "path": path}


def _meta(db: Db) -> list[tuple[str, str]]:
    from . import _cursor

    with _cursor(db) as con:
        return con.execute("SELECT key, value FROM meta").fetchall()


def template_changes(db: Db, model: str | None = None) -> list[dict[str, Any]]:
    """What each MOA template changed from the one before it of the same model (e.g. the 2025 JEM
    template deleted the Steering Committee clause of 2020), clause by clause."""
    sql = """SELECT model, before, after, change, section, before_text, after_text, diff FROM template_changes
             WHERE $model::VARCHAR IS NULL OR model = $model ORDER BY model, seq"""
    return _rows(db, sql, {"model": model})


def agency_names(db: Db) -> list[dict[str, Any]]:
    """Every agency's state and every name it was listed under (to place a loose MOA by its party)."""
    return _rows(db, "SELECT agency_id, state, names FROM agencies ORDER BY agency_id", {})
