"""`open287g release`: a dated, checksummed bundle, `open287g-YYYY-MM-DD/` named by the record's newest day:
the whole export (every format), CHANGELOG.md (what changed since the previous release in the same folder:
the day's counts beside that release's and the events between), CITATION.cff and SHA256SUMS.

Everything in it is read from the warehouse, which is rebuilt from the archive: the same archive gives the
same bundle, byte for byte (no clock, no paths, no machine in any file)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import duckdb

from .. import queries
from . import FORMATS, MANIFEST, write

PREFIX = "open287g-"
SUMS = "SHA256SUMS"


def previous(folder: Path, day: dt.date) -> dt.date | None:
    """The newest release in `folder` older than `day` (read from its export.json)."""
    days = []
    for manifest in folder.glob(f"{PREFIX}*/{MANIFEST}"):
        try:
            days.append(dt.date.fromisoformat(json.loads(manifest.read_text())["day"]))
        except (ValueError, KeyError, OSError):
            continue
    older = [d for d in days if d < day]
    return max(older) if older else None


def _figures(con: duckdb.DuckDBPyConnection, day: dt.date) -> dict[str, Any]:
    c, cov = queries.counts(con, day), queries.coverage(con, day)
    return {
        "agreements listed": c["agreements"],
        **{f"  {m}": n for m, n in sorted(c["by_model"].items())},
        "agencies": c["agencies"],
        "pending": c["pending"],
        "counties covered": cov["counties"],
        "states and territories": cov["states"],
        "people in covered counties": cov["population"],
    }


def changelog(con: duckdb.DuckDBPyConnection, day: dt.date, before: dt.date | None) -> str:
    """Markdown: the release's figures (beside the previous release's) and the events since it."""
    now = _figures(con, day)
    out = [f"# open287g release {day}", ""]
    if before:
        then = _figures(con, before)
        out += [
            f"Changes since the previous release, {before}. Both days are read from the record as this release "
            "holds it (a later publication can revise an earlier day).",
            "",
            f"| | {before} | {day} | change |",
            "| --- | ---: | ---: | ---: |",
        ]
        out += [f"| {k} | {then.get(k, 0):,} | {v:,} | {v - then.get(k, 0):+,} |" for k, v in now.items()]
    else:
        out += ["The first release in this folder: the record from its start.", "", f"| | {day} |", "| --- | ---: |"]
        out += [f"| {k} | {v:,} |" for k, v in now.items()]
    since = before + dt.timedelta(days=1) if before else None
    events = queries.changes(con, since=since, until=day).sort(["date", "kind", "agency_id", "event_id"])
    kinds = events.group_by("kind").len().sort("kind")
    out += ["", f"## Events{f' after {before}' if before else ''}: {events.height:,}", "", "| kind | events |"]
    out += ["| --- | ---: |", *(f"| {k} | {n:,} |" for k, n in kinds.iter_rows())]
    if before:
        out += ["", "| date | kind | agency | model | agreement | event |", "| --- | --- | --- | --- | --- | --- |"]
        for e in events.iter_rows(named=True):
            name = (e["agency_name"] or "").replace("|", "\\|")
            cells = [e["date"], e["kind"], name, e["model"] or "", e["agreement_id"] or "", e["event_id"]]
            out.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(out) + "\n"


def citation(day: dt.date, version: str, archive_digest: str) -> str:
    return "\n".join(
        [
            "cff-version: 1.2.0",
            "message: If you use this dataset, please cite it as below.",
            "type: dataset",
            f'title: "open287g: the US 287(g) program, agreements and their record, as of {day}"',
            "authors:",
            "  - name: open287g",
            f'version: "{day}"',
            f"date-released: {day}",
            "abstract: >-",
            "  Every ICE 287(g) roster publication kept and read exactly; the agreements, agencies, changes,",
            "  coverage by county and month, MOA document fields, ICE FOIA enforcement records joined to the",
            "  agreements, and state law. ICE's material is a US government work (17 U.S.C. 105); open287g's",
            f"  tables are MIT. Built with open287g {version} from the archive with digest {archive_digest}.",
            "keywords:",
            "  - 287(g)",
            "  - immigration enforcement",
            "  - ICE",
            "",
        ]
    )


def checksums(folder: Path) -> str:
    lines = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != SUMS:
            lines.append(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(folder).as_posix()}")
    return "\n".join(lines) + "\n"


def release(con: duckdb.DuckDBPyConnection, folder: Path, on: dt.date | None = None, progress=None) -> Path:
    """Write the bundle for day `on` (default: the record's newest) into `folder`; returns its path."""
    day = on or queries.latest_date(con)
    target = folder / f"{PREFIX}{day}"
    before = previous(folder, day) if day else None
    manifest = write(con, target, FORMATS, day, progress=progress)
    (target / "CHANGELOG.md").write_text(changelog(con, day, before), encoding="utf-8")
    cff = citation(day, manifest["version"], manifest["archive_digest"])
    (target / "CITATION.cff").write_text(cff, encoding="utf-8")
    (target / SUMS).write_text(checksums(target), encoding="utf-8")
    return target
