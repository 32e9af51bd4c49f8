"""Publications: content-identical files collapsed into one, dated by all their observations, and
checked against their neighbours so that a malformed sheet is marked `suspect` instead of read as
hundreds of endings."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from ..archive import Observation
from ..sources.ice_roster import RosterError, Sheet
from . import rows as rowstage

# A publication is suspect when it lacks at least this share of the previous publication's rows
# (and at least MIN_DROP rows) and most of them come back within the next LOOKAHEAD publications.
DROP_SHARE = 0.4
MIN_DROP = 10
RETURN_SHARE = 0.5
LOOKAHEAD = 3


@dataclass
class Parsed:
    sha256: str
    sheet: Sheet | None
    error: str | None
    rows: list[dict]
    content_hash: str | None


def parse(sha256: str, data: bytes) -> Parsed:
    from ..sources import ice_roster

    try:
        sheet = ice_roster.read(data)
    except RosterError as exc:
        return Parsed(sha256, None, str(exc), [], None)
    recs, content_hash = rowstage.normalise(sheet)
    return Parsed(sha256, sheet, None, recs, content_hash)


def published_as(name: str) -> str:
    n = name.lower()
    if n.startswith("participating"):
        return "participating"
    if n.startswith("pending"):
        return "pending"
    return ""


def assemble(observations: list[Observation], parsed: dict[str, Parsed]) -> dict[str, list[dict]]:
    """files, observations, publications and roster_rows as lists of records."""
    obs_by_sha: dict[str, list[Observation]] = defaultdict(list)
    for o in observations:
        obs_by_sha[o.sha256].append(o)

    files, groups = [], defaultdict(list)
    for sha in sorted(obs_by_sha):
        p, seen = parsed[sha], obs_by_sha[sha]
        names = sorted({o.name for o in seen})
        hints = sorted({o.kind_hint for o in seen if o.kind_hint})
        pub_id = _publication_id(p, seen)
        sheet = p.sheet
        files.append(
            {
                "sha256": sha,
                "size": seen[0].size,
                "names": names,
                "status": "rejected" if p.error else "ok",
                "error": p.error,
                "kind": sheet.kind if sheet else (hints[0] if len(hints) == 1 else None),
                "kind_hints": hints,
                "published_as": sorted({published_as(n) for n in names} - {""}),
                "layout": sheet.layout if sheet else None,
                "sheet_name": sheet.sheet_name if sheet else None,
                "ignored_sheets": sheet.ignored_sheets if sheet else [],
                "creator": sheet.creator if sheet else None,
                "workbook_modified": sheet.modified.replace(tzinfo=None) if sheet and sheet.modified else None,
                "header_row": sheet.header_row if sheet else None,
                "data_rows": len(sheet.rows) if sheet else 0,
                "blank_rows": sheet.blank_rows if sheet else 0,
                "empty_columns": sheet.empty_columns if sheet else 0,
                "hyperlinks": sheet.hyperlinks if sheet else 0,
                "content_hash": p.content_hash,
                "publication_id": pub_id,
            }
        )
        groups[pub_id].append(sha)

    files_by_sha = {f["sha256"]: f for f in files}
    publications, roster_rows = [], []
    for pub_id, shas in groups.items():
        seen = [o for s in shas for o in obs_by_sha[s]]
        days = sorted({o.observed_on for o in seen})
        first = parsed[shas[0]]
        f = files_by_sha[shas[0]]
        publications.append(
            {
                "publication_id": pub_id,
                "kind": f["kind"] or "unknown",
                "status": "rejected" if first.error else "ok",
                "status_reason": first.error,
                "layout": f["layout"],
                "columns": first.sheet.columns if first.sheet else [],
                "rows": len(first.rows),
                "distinct_rows": len({r["row_key"] for r in first.rows}),
                "first_observed": days[0],
                "last_observed": days[-1],
                "observed_dates": days,
                "n_observations": len(seen),
                "sha256s": sorted(shas),
                "file_names": sorted({o.name for o in seen}),
                "content_hash": first.content_hash,
            }
        )
        for rec in first.rows:
            roster_rows.append({"publication_id": pub_id, "kind": f["kind"], **rec})

    _order_and_mark(publications, {p: parsed[groups[p][0]].rows for p in groups})
    obs_rows = [
        {
            "sha256": o.sha256,
            "observed_on": o.observed_on,
            "observed_at": o.observed_at or None,
            "source": o.source,
            "name": o.name,
            "date_basis": o.date_basis,
            "kind_hint": o.kind_hint or None,
        }
        for o in sorted(observations, key=lambda o: (o.observed_on, o.sha256, o.source))
    ]
    return {"files": files, "observations": obs_rows, "publications": publications, "roster_rows": roster_rows}


def _publication_id(p: Parsed, seen: list[Observation]) -> str:
    if p.error:
        return f"x-{p.sha256[:12]}"
    return f"{p.sheet.kind[:4]}-{p.content_hash[:12]}"


def _order_and_mark(publications: list[dict], rows: dict[str, list[dict]]) -> None:
    """Number each kind's publications in observation order and mark collapses as suspect."""
    by_kind = defaultdict(list)
    for p in publications:
        if p["status"] != "rejected":
            by_kind[p["kind"]].append(p)
    for p in publications:
        p.update(seq=None, previous_publication_id=None)
    for kind, pubs in by_kind.items():
        pubs.sort(key=lambda p: (p["first_observed"], p["last_observed"], p["file_names"][0], p["publication_id"]))
        keys = [Counter(r["row_key"] for r in rows[p["publication_id"]]) for p in pubs]
        previous = None  # index of the last publication that is not suspect
        for i, p in enumerate(pubs):
            p["seq"] = i + 1
            if previous is not None:
                p["previous_publication_id"] = pubs[previous]["publication_id"]
                reason = _collapse(pubs, keys, previous, i)
                if reason:
                    p["status"], p["status_reason"] = "suspect", reason
                    continue
            previous = i


def _collapse(pubs: list[dict], keys: list[Counter], prev: int, i: int) -> str | None:
    before, now = keys[prev], keys[i]
    n_before, n_now = sum(before.values()), sum(now.values())
    missing = before - now
    n_missing = sum(missing.values())
    if n_missing < max(MIN_DROP, DROP_SHARE * n_before):
        return None
    drop = f"{n_missing} of {n_before} rows of {pubs[prev]['publication_id']} are missing ({n_before} -> {n_now} rows)"
    later = list(range(i + 1, min(i + 1 + LOOKAHEAD, len(pubs))))
    if later:
        back = max(sum((missing & keys[j]).values()) for j in later)
        if back >= RETURN_SHARE * n_missing:
            return f"{drop}; {back} of them return in a later publication"
        return None
    if pubs[i]["kind"] == "participating":
        return f"{drop}; no later publication yet to confirm the drop"
    return None
