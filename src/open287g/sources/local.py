"""Files on disk: single workbooks, or folders (with an optional snapshots.csv observation log).

A folder's `snapshots.csv` (columns date_observed, kind, file; file relative to the folder; other
columns ignored) says when each file was observed, and which files the folder holds; without it every
*.xlsx below the folder is taken and dated by the workbook's own modified date.

ICE's FOIA releases anywhere below a folder are taken too, known by their content (sources/ice_foia.py: `*.csv`,
`*.txt`, gzipped or not; sources/ddp.py: those and `*.parquet`, `*.xlsx`), and dated by their mtime. MOA PDFs
(`*.pdf`) anywhere below a folder are taken too. A CSV below the folder with the columns
`file` and `first_downloaded` (the shared data's `moa/moa_sample.csv`) dates the PDFs it lists (the
file relative to the folder imported, or to the CSV's own folder); other PDFs are dated by their mtime.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from . import ddp, ice_foia, ice_roster, reference

SNAPSHOTS = "snapshots.csv"
DOCUMENT = "moa"  # the kind hint of MOA PDFs (stages/documents.py)
FOIA = "foia"  # the kind hint of FOIA releases (stages/outcomes.py)
_TEXT_SUFFIXES = (".csv", ".csv.gz", ".txt", ".txt.gz")
_RELEASE_SUFFIXES = (*_TEXT_SUFFIXES, ".parquet", ".xlsx")  # the newer releases (sources/ddp.py) too


def _is_pdf(p: Path) -> bool:
    """By name, or by content: a PDF under another name is still a document."""
    if p.suffix.lower() == ".pdf":
        return True
    with p.open("rb") as fh:
        return b"%PDF-" in fh.read(1024)


@dataclass(frozen=True)
class Candidate:
    path: Path
    observed_on: str | None  # None: to be taken from the file itself
    date_basis: str
    kind_hint: str = ""


class SourceError(ValueError):
    """A path or observation log that cannot be used; the message is one line naming the file."""


def discover(paths: list[Path], observed: dt.date | None = None) -> tuple[list[Candidate], list[str]]:
    """Candidates to import, and notices for the user (e.g. how dates were decided)."""
    out: list[Candidate] = []
    notices: list[str] = []
    for p in paths:
        if not p.exists():
            raise SourceError(f"{p}: no such file or folder")
        if p.is_file():
            out.append(_single(p, observed))
        elif (p / SNAPSHOTS).is_file():
            out.extend(_from_snapshots(p))
            out.extend(_single(f, observed) for f in _references(p) + _releases(p))
            out.extend(_documents(p, observed))
        else:
            found = sorted(
                f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in (".xlsx", ".xlsm") and not _is_release(f)
            )
            out.extend(_single(f, observed) for f in found + _references(p) + _releases(p))
            out.extend(_documents(p, observed))
            if observed is None and found:
                notices.append(f"{p}: no {SNAPSHOTS}; {len(found)} file(s) dated by the workbook's own modified date")
    return out, notices


def _documents(folder: Path, observed: dt.date | None) -> list[Candidate]:
    """The PDFs below a folder, dated by a documents log when one lists them."""
    pdfs = sorted(f for f in folder.rglob("*") if f.is_file() and f.suffix.lower() == ".pdf")
    if not pdfs:
        return []
    dates: dict[Path, str] = {}
    for log in sorted(folder.rglob("*.csv")):
        with log.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not {"file", "first_downloaded"} <= set(reader.fieldnames or []):
                continue
            for line, row in enumerate(reader, start=2):
                rel = (row["file"] or "").strip()
                try:
                    when = dt.date.fromisoformat((row["first_downloaded"] or "").strip()[:10])
                except ValueError:
                    raise SourceError(f"{log}: line {line}: bad first_downloaded {row['first_downloaded']!r}") from None
                for base in (folder, log.parent):
                    if (base / rel).is_file():
                        dates[(base / rel).resolve()] = when.isoformat()
                        break
    out = []
    for f in pdfs:
        logged = dates.get(f.resolve())
        if observed is not None:
            out.append(Candidate(f, observed.isoformat(), "given", DOCUMENT))
        elif logged:
            out.append(Candidate(f, logged, "documents_csv", DOCUMENT))
        else:
            out.append(Candidate(f, None, "file_mtime", DOCUMENT))
    return out


def _references(folder: Path) -> list[Path]:
    """Reference tables (FBI roster, county population) anywhere below the folder."""
    return sorted(f for f in folder.rglob("*.csv") if f.is_file() and reference.kind_of(f.name))


def _releases(folder: Path) -> list[Path]:
    """FOIA releases anywhere below the folder, by their first bytes."""
    return sorted(f for f in folder.rglob("*") if f.is_file() and _is_release(f))


def _is_release(p: Path) -> bool:
    if not p.name.lower().endswith(_RELEASE_SUFFIXES) or reference.kind_of(p.name):
        return False
    try:
        with p.open("rb") as fh:
            head = fh.read(ice_foia.HEAD_BYTES)
        return ice_foia.sniff(head) is not None or ddp.sniff(p, head) is not None
    except OSError as exc:
        raise SourceError(f"{p}: cannot be read ({exc.strerror or exc})") from None


def _single(p: Path, observed: dt.date | None) -> Candidate:
    kind = reference.kind_of(p.name) or (DOCUMENT if _is_pdf(p) else FOIA if _is_release(p) else "")
    if observed is not None:
        return Candidate(p, observed.isoformat(), "given", kind)
    return Candidate(p, None, "workbook_modified", kind)


def _from_snapshots(folder: Path) -> list[Candidate]:
    log = folder / SNAPSHOTS
    with log.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = {"date_observed", "file"} - set(reader.fieldnames or [])
        if missing:
            raise SourceError(f"{log}: missing column(s) {', '.join(sorted(missing))}")
        out = []
        for line, row in enumerate(reader, start=2):
            try:
                day = dt.date.fromisoformat(row["date_observed"].strip()[:10])
            except ValueError:
                raise SourceError(f"{log}: line {line}: bad date_observed {row['date_observed']!r}") from None
            path = folder / row["file"].strip()
            if not path.is_file():
                raise SourceError(f"{log}: line {line}: listed file {row['file']!r} does not exist")
            out.append(Candidate(path, day.isoformat(), "snapshots_csv", (row.get("kind") or "").strip()))
    return out


def observed_on(data: bytes, path: Path) -> tuple[str, str, str]:
    """(date, basis, timestamp) for a file with no observation log: the workbook's modified time,
    else the file's mtime (UTC)."""
    moment, basis = ice_roster.modified(data), "workbook_modified"
    if moment is None:
        moment, basis = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC), "file_mtime"
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    return moment.date().isoformat(), basis, moment.isoformat(timespec="seconds")
