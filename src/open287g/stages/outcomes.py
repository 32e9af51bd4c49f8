"""Enforcement outcomes: ICE's FOIA releases (sources/ice_foia.py) loaded into the warehouse by DuckDB reading
the archived files where they lie, one typed row per released row.

Each archived release is described in `foia_files`. When two files hold the same table of the same release and
year (a re-release, or the same table compressed and not), the one observed last that reads is loaded and the
other is `superseded`, so no arrest is counted twice; a file DuckDB cannot read (a gzip cut short) is `rejected`
with the reason, and none of its rows are kept.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..archive import Observation
from ..memo import Memo
from ..sources import ice_foia, local

KIND = local.FOIA  # the kind hint of an archived release
TABLES = {"arrests": "foia_arrests", "encounters": "foia_encounters", "removals": "foia_removals"}


def is_foia(o: Observation) -> bool:
    return o.kind_hint == KIND


@dataclass(frozen=True)
class Archived:
    sha256: str
    path: Path
    release: ice_foia.Release | None  # None: not readable as a release
    names: tuple[str, ...]
    last_observed: str
    size: int


def describe(
    observations: list[Observation], read_head: Callable[[str], bytes], path: Callable[[str], Path]
) -> list[Archived]:
    """Every archived release, sniffed from its first bytes."""
    seen: dict[str, list[Observation]] = defaultdict(list)
    for o in observations:
        if is_foia(o):
            seen[o.sha256].append(o)
    return [
        Archived(
            sha,
            path(sha),
            ice_foia.sniff(read_head(sha)),
            tuple(sorted({o.name for o in obs})),
            max(o.observed_on for o in obs),
            obs[0].size,
        )
        for sha, obs in sorted(seen.items())
    ]


def file_rows(archived: list[Archived]) -> list[dict]:
    """The `files` records of the releases (the count of rows is filled in by `load`)."""
    return [
        {
            "sha256": a.sha256,
            "size": a.size,
            "names": list(a.names),
            "status": "ok" if a.release else "rejected",
            "error": None if a.release else "not a FOIA release this version reads (no known header at its top)",
            "kind": f"foia_{a.release.table}" if a.release else KIND,
            "kind_hints": [KIND],
            "published_as": [],
            "ignored_sheets": [],
        }
        for a in archived
    ]


def load(con: duckdb.DuckDBPyConnection, archived: list[Archived], memo: Memo) -> None:
    """Fill foia_files and the foia_* row tables in the warehouse being built. Of the files holding the same
    table of the same release and year, the one observed last that reads is loaded, the others are superseded
    by it. The rows of the files read together, read once from the archived text, are kept as Parquet in the
    memo, which the next build reads instead."""
    groups: dict[tuple, list[Archived]] = defaultdict(list)
    for a in sorted(archived, key=lambda a: (a.last_observed, a.sha256), reverse=True):
        if a.release:
            groups[(a.release.table, a.release.foia_number, a.release.fiscal_year, a.release.title)].append(a)
    outcome: dict[str, tuple[str | None, str | None]] = {}  # sha256 -> (error, superseded by)
    while groups:
        failed = _insert_all(con, [group[0] for group in groups.values()], memo)
        left = {}
        for key, (first, *rest) in groups.items():
            if first.sha256 in failed:  # the next newest is tried
                outcome[first.sha256] = (failed[first.sha256], None)
                if rest:
                    left[key] = rest
            else:
                outcome.update({a.sha256: (None, first.sha256) for a in rest})
        groups = left
    for a in archived:
        if a.release:
            _describe(con, a, *outcome.get(a.sha256, (None, None)))


def _insert_all(con: duckdb.DuckDBPyConnection, files: list[Archived], memo: Memo) -> dict[str, str]:
    """Load the files' rows, those laid out alike in one read; sha256 -> the reason a file cannot be read
    (none of its rows are kept, and it is rejected)."""
    batches: dict[tuple, list[Archived]] = defaultdict(list)
    for a in files:
        assert a.release is not None
        batches[ice_foia.layout(a.release)].append(a)
    failed = {}
    for batch in batches.values():
        try:
            _insert(con, batch, memo)
        except duckdb.Error as exc:  # e.g. a gzip cut short: which file, one at a time
            if len(batch) == 1:
                failed[batch[0].sha256] = _first_line(exc)
                continue
            failed.update(_insert_all_alone(con, batch, memo))
    for sha, error in failed.items():
        table = next(a.release.table for a in files if a.sha256 == sha and a.release)
        error = failed[sha] = f"cannot be read as a FOIA release of {table}: {error}"
        con.execute("UPDATE files SET status = 'rejected', error = $e WHERE sha256 = $s", {"e": error, "s": sha})
    return failed


def _insert_all_alone(con: duckdb.DuckDBPyConnection, batch: list[Archived], memo: Memo) -> dict[str, str]:
    failed = {}
    for a in batch:
        try:
            _insert(con, [a], memo)
        except duckdb.Error as exc:
            failed[a.sha256] = _first_line(exc)
    return failed


def _insert(con: duckdb.DuckDBPyConnection, batch: list[Archived], memo: Memo) -> None:
    """One read of files laid out alike into their table (a statement: all their rows, or none)."""
    release = batch[0].release
    assert release is not None
    table = TABLES[release.table]
    columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    typed = {c: c for c in columns} | {
        "sha256": "m.sha256",
        "fiscal_year": "CAST(year(date) + (month(date) >= 10)::INT AS INTEGER)",  # October starts the year
    }
    shas = ", ".join(f"('{ice_foia.quoted(a.path)}', '{a.sha256}')" for a in batch)
    query = f"""SELECT {", ".join(f"{typed[c]} AS {c}" for c in columns)}
                FROM ({ice_foia.select([a.path for a in batch], release)}) r
                JOIN (VALUES {shas}) m(filename, sha256) USING (filename)"""
    kept = memo.blob("foia", ",".join(sorted(a.sha256 for a in batch)), ".parquet")
    if kept is None:
        con.execute(f"INSERT INTO {table} {query}")
        return
    if not kept.exists():
        kept.parent.mkdir(parents=True, exist_ok=True)
        tmp = kept.with_name(f".tmp-{kept.name}")
        try:
            con.execute(f"COPY ({query}) TO '{tmp}' (FORMAT parquet)")
            os.replace(tmp, kept)
        finally:
            tmp.unlink(missing_ok=True)
    con.execute(f"INSERT INTO {table} SELECT * FROM read_parquet('{kept}')")


def _describe(con: duckdb.DuckDBPyConnection, a: Archived, error: str | None, superseded_by: str | None) -> None:
    assert a.release is not None
    r = a.release
    rows, first, last = con.execute(
        f"SELECT count(*), min(date), max(date) FROM {TABLES[r.table]} WHERE sha256 = $sha", {"sha": a.sha256}
    ).fetchone() or (0, None, None)
    con.execute(
        """INSERT INTO foia_files
           VALUES ($sha, $table, $number, $title, $fy, $columns, $rows, $first, $last, $status, $by, $error)""",
        {
            "sha": a.sha256,
            "table": r.table,
            "number": r.foia_number,
            "title": r.title,
            "fy": r.fiscal_year,
            "columns": list(r.columns),
            "rows": rows,
            "first": first,
            "last": last,
            "status": "rejected" if error else "superseded" if superseded_by else "ok",
            "by": superseded_by,
            "error": error,
        },
    )
    con.execute("UPDATE files SET data_rows = $rows WHERE sha256 = $sha", {"rows": rows, "sha": a.sha256})


def _first_line(exc: Exception) -> str:
    return next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
