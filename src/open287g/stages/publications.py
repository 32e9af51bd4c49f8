"""Publications: content-identical files collapsed into one, dated by all their observations, and
checked against their neighbours so that a malformed sheet is marked `suspect` instead of read as
hundreds of endings."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..archive import Observation
from ..sources import ice_roster
from . import rows as rowstage

# A publication is suspect when it lacks at least this share of the previous publication's rows
# (and at least MIN_DROP rows) and most of them come back within the next LOOKAHEAD publications.
DROP_SHARE = 0.4
MIN_DROP = 10
RETURN_SHARE = 0.5
LOOKAHEAD = 3


@dataclass
class Parsed:
    """What the build keeps of one file: its description, its rows as (row_number, row_hash), and
    the records of distinct rows this parse met first."""

    sha256: str
    error: str | None
    meta: dict = field(default_factory=dict)
    rows: list[tuple[int, str]] = field(default_factory=list)
    content_hash: str | None = None
    new_rows: dict[str, dict] = field(default_factory=dict)


def parse(sha256: str, data: bytes, store: rowstage.RowStore) -> Parsed:
    try:
        sheet = ice_roster.read(data)
    except ice_roster.RosterError as exc:
        return Parsed(sha256, str(exc))
    rows, content_hash = rowstage.normalise(sheet, store)
    meta = {
        "kind": sheet.kind,
        "layout": sheet.layout,
        "columns": sheet.columns,
        "sheet_name": sheet.sheet_name,
        "ignored_sheets": sheet.ignored_sheets,
        "creator": sheet.creator,
        "workbook_modified": sheet.modified.replace(tzinfo=None) if sheet.modified else None,
        "header_row": sheet.header_row,
        "blank_rows": sheet.blank_rows,
        "empty_columns": sheet.empty_columns,
        "hyperlinks": sheet.hyperlinks,
    }
    return Parsed(sha256, None, meta, rows, content_hash, store.drain())


def published_as(name: str) -> str:
    n = name.lower()
    if n.startswith("participating"):
        return "participating"
    if n.startswith("pending"):
        return "pending"
    return ""


def _publication_id(p: Parsed) -> str:
    """A rejected file is a publication of its own; a read one shares its id with every file of the
    same kind and content."""
    if p.error or p.content_hash is None:
        return f"x-{p.sha256[:12]}"
    return f"{p.meta['kind'][:4]}-{p.content_hash[:12]}"


def assemble(observations: list[Observation], parsed: dict[str, Parsed]) -> dict[str, list]:
    """files, publications, publication_rows and row_values as lists of records (the observations
    table is made by observation_rows, from every observation including reference files)."""
    obs_by_sha: dict[str, list[Observation]] = defaultdict(list)
    for o in observations:
        obs_by_sha[o.sha256].append(o)
    row_values: dict[str, dict] = {}
    for p in parsed.values():
        row_values.update(p.new_rows)

    files, groups = [], defaultdict(list)
    for sha in sorted(obs_by_sha):
        p, seen = parsed[sha], obs_by_sha[sha]
        names = sorted({o.name for o in seen})
        hints = sorted({o.kind_hint for o in seen if o.kind_hint})
        pub_id = _publication_id(p)
        files.append(
            {
                **{k: v for k, v in p.meta.items() if k != "columns"},
                "sha256": sha,
                "size": seen[0].size,
                "names": names,
                "status": "rejected" if p.error else "ok",
                "error": p.error,
                "kind": p.meta.get("kind") or (hints[0] if len(hints) == 1 else None),
                "kind_hints": hints,
                "published_as": sorted({published_as(n) for n in names} - {""}),
                "data_rows": len(p.rows),
                "content_hash": p.content_hash,
                "publication_id": pub_id,
            }
        )
        groups[pub_id].append(sha)

    files_by_sha = {f["sha256"]: f for f in files}
    publications: list[dict] = []
    publication_rows: list[dict] = []
    # each publication's rows by what they list (row_key), counted: its distinct rows, and what the
    # suspect test compares
    keys = {
        pub_id: Counter(row_values[h]["row_key"] for _, h in parsed[shas[0]].rows) for pub_id, shas in groups.items()
    }
    for pub_id, shas in groups.items():
        seen = [o for s in shas for o in obs_by_sha[s]]
        days = sorted({dt.date.fromisoformat(o.observed_on) for o in seen})
        first, f = parsed[shas[0]], files_by_sha[shas[0]]
        publications.append(
            {
                "publication_id": pub_id,
                "kind": f["kind"] or "unknown",
                "status": "rejected" if first.error else "ok",
                "status_reason": first.error,
                "layout": f.get("layout"),
                "columns": first.meta.get("columns", []),
                "rows": len(first.rows),
                "distinct_rows": len(keys[pub_id]),
                "first_observed": days[0],
                "last_observed": days[-1],
                "observed_dates": days,
                "n_observations": len(seen),
                "sha256s": sorted(shas),
                "file_names": sorted({o.name for o in seen}),
                "content_hash": first.content_hash,
                "workbook_modified": min(
                    (files_by_sha[s]["workbook_modified"] for s in shas if files_by_sha[s].get("workbook_modified")),
                    default=None,
                ),
            }
        )
        publication_rows.extend({"publication_id": pub_id, "row_number": n, "row_hash": h} for n, h in first.rows)
    _order_and_mark(publications, keys)
    return {
        "files": files,
        "publications": publications,
        "publication_rows": publication_rows,
        "row_values": [row_values[h] for h in sorted(row_values)],
    }


def _order_and_mark(publications: list[dict], keys: dict[str, Counter]) -> None:
    """Number each kind's publications in observation order and mark collapses as suspect.
    Publications first seen on the same day are ordered by the workbook's own saved time: file names
    are typed by hand and can lie (participatingAgencies11114025am.xlsx came after 11132025pm)."""
    by_kind = defaultdict(list)
    for p in publications:
        p.update(seq=None, previous_publication_id=None)
        if p["status"] != "rejected":
            by_kind[p["kind"]].append(p)
    for pubs in by_kind.values():
        pubs.sort(
            key=lambda p: (
                p["first_observed"],
                p["workbook_modified"] or dt.datetime.max,
                p["last_observed"],
                p["file_names"][0],
                p["publication_id"],
            )
        )
        counts = [keys[p["publication_id"]] for p in pubs]
        previous = None  # index of the last publication that is not suspect
        for i, p in enumerate(pubs):
            p["seq"] = i + 1
            if previous is not None:
                p["previous_publication_id"] = pubs[previous]["publication_id"]
                reason = _collapse(pubs, counts, previous, i)
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
    later = range(i + 1, min(i + 1 + LOOKAHEAD, len(pubs)))
    if later:
        back = max(sum((missing & keys[j]).values()) for j in later)
        if back >= RETURN_SHARE * n_missing:
            return f"{drop}; {back} of them return in a later publication"
        return None
    if pubs[i]["kind"] == "participating":
        return f"{drop}; no later publication yet to confirm the drop"
    return None


def observation_rows(observations: list[Observation]) -> list[dict]:
    return [
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
