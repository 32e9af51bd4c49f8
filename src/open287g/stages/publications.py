"""Publications: content-identical files collapsed into one, dated by all their observations, and
checked against their neighbours so that a malformed sheet is marked `suspect` instead of read as
hundreds of endings."""

from __future__ import annotations

import datetime as dt
import re
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


def assemble(
    observations: list[Observation], parsed: dict[str, Parsed], row_values: dict[str, dict]
) -> dict[str, list]:
    """files, publications, publication_rows and row_values as lists of records (the observations
    table is made by observation_rows, from every observation including reference files), from each file's
    reading and the records of the distinct rows they hold (by row_hash)."""
    obs_by_sha: dict[str, list[Observation]] = defaultdict(list)
    for o in observations:
        obs_by_sha[o.sha256].append(o)

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
    postings = _postings(files, obs_by_sha, keys)
    _mark_publications(publications, postings)
    return {
        "files": files,
        "publications": publications,
        "postings": postings,
        "publication_rows": publication_rows,
        "row_values": [row_values[h] for h in sorted(row_values)],
    }


_DAYPART = re.compile(r"(am|mid|pm)\.xlsx?$", re.I)
_DAYPARTS = {"am": 0, "mid": 1, "pm": 2}


def _daypart(names: list[str]) -> int:
    """ICE's am/mid/pm in the file name (a tie-breaker after the saved time); 3 when it says none."""
    parts = [_DAYPARTS[m[1].lower()] for n in names if (m := _DAYPART.search(n))]
    return min(parts) if parts else 3


def _postings(files: list[dict], obs_by_sha: dict[str, list[Observation]], keys: dict[str, Counter]) -> list[dict]:
    """One posting per new file (sha256) of a list that was read: what ICE put up, in the order ICE put
    it up. A file seen again later (a late copy) is the same posting; a new file is a new posting even
    when its content equals an older list (ICE reverted).

    Order: the workbook's own saved time when it is plausible (not after the day the file was first
    seen; a table rebuilt by a third party carries the day it was rebuilt), then the day first seen,
    then am/mid/pm in the name. A posting takes effect on the day it was first seen, except a
    back-fill — a file saved before a posting that was seen earlier than it — which takes its place
    in the past: it takes effect on the day it was saved (never before the posting it follows)."""
    out = []
    for f in files:
        if f["status"] == "rejected" or not f["kind"]:
            continue
        days = sorted({dt.date.fromisoformat(o.observed_on) for o in obs_by_sha[f["sha256"]]})
        saved = f.get("workbook_modified")
        plausible = saved is not None and saved.date() <= days[0] + dt.timedelta(days=1)
        out.append(
            {
                "sha256": f["sha256"],
                "kind": f["kind"],
                "publication_id": f["publication_id"],
                "file_name": f["names"][0],
                "posted_at": saved if plausible else dt.datetime.combine(days[0], dt.time(12)),
                "posted_by": "workbook_modified" if plausible else "first_observed",
                "daypart": _daypart(f["names"]),
                "first_observed": days[0],
                "observed_dates": days,
            }
        )
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for p in out:
        by_kind[p["kind"]].append(p)
    for posts in by_kind.values():
        # one saved workbook uploaded under two names is ordered by which was seen first
        posts.sort(key=lambda p: (p["posted_at"], p["first_observed"], p["daypart"], p["file_name"], p["sha256"]))
        _date_postings(posts)
        _mark_suspect(posts, [keys[p["publication_id"]] for p in posts])
    return sorted(out, key=lambda p: (p["kind"], p["seq"]))


def _date_postings(posts: list[dict]) -> None:
    """effective_from (the day a posting became the list in effect), backfilled, and last_observed
    (the last day it was seen while in effect) for postings in posted order."""
    seen_later = dt.date.max  # the earliest first sighting of any posting after this one
    for p in reversed(posts):
        p["backfilled"] = seen_later < p["first_observed"]
        seen_later = min(seen_later, p["first_observed"])
    previous = dt.date.min
    for i, p in enumerate(posts):
        start = min(p["posted_at"].date(), p["first_observed"]) if p["backfilled"] else p["first_observed"]
        p["effective_from"] = previous = max(start, previous)
        p["seq"] = i + 1
    for i, p in enumerate(posts):
        until = posts[i + 1]["effective_from"] if i + 1 < len(posts) else dt.date.max
        in_effect = [d for d in p["observed_dates"] if p["effective_from"] <= d < until]
        p["last_observed"] = in_effect[-1] if in_effect else p["effective_from"]


def _mark_suspect(posts: list[dict], counts: list[Counter]) -> None:
    """Mark collapses as suspect: each posting is compared with the last one that is not."""
    previous = None  # index of the last posting that is not suspect
    for i, p in enumerate(posts):
        p.update(status="ok", status_reason=None, previous_sha256=None, previous_publication_id=None)
        if previous is not None:
            p["previous_sha256"] = posts[previous]["sha256"]
            p["previous_publication_id"] = posts[previous]["publication_id"]
            reason = _collapse(posts, counts, previous, i)
            if reason:
                p["status"], p["status_reason"] = "suspect", reason
                continue
        previous = i


def _mark_publications(publications: list[dict], postings: list[dict]) -> None:
    """A publication (one content) is numbered by its first posting, and is suspect when every posting
    of it is (a content ICE posted in good order once is read, whatever else happened)."""
    by_pub: dict[str, list[dict]] = defaultdict(list)
    for p in postings:
        by_pub[p["publication_id"]].append(p)
    ranked: dict[str, list[dict]] = defaultdict(list)
    for pub in publications:
        pub.update(seq=None, previous_publication_id=None, n_postings=len(by_pub.get(pub["publication_id"], [])))
        if pub["status"] == "rejected" or pub["publication_id"] not in by_pub:
            continue
        posts = by_pub[pub["publication_id"]]
        first = posts[0]
        pub["previous_publication_id"] = first["previous_publication_id"]
        if all(p["status"] == "suspect" for p in posts):
            pub["status"], pub["status_reason"] = "suspect", first["status_reason"]
        ranked[pub["kind"]].append(pub)
    for pubs in ranked.values():
        pubs.sort(key=lambda p: by_pub[p["publication_id"]][0]["seq"])
        for i, pub in enumerate(pubs):
            pub["seq"] = i + 1


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
            "http_status": o.http_status or None,
            "etag": o.etag or None,
            "last_modified": o.last_modified or None,
            "content_type": o.content_type or None,
        }
        for o in sorted(observations, key=lambda o: (o.observed_on, o.observed_at, o.sha256, o.source))
    ]
