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
    by it. A release's rows, read once from the archived text, are kept as Parquet in the memo, which the next
    build reads instead."""
    groups: dict[tuple, list[Archived]] = defaultdict(list)
    for a in archived:
        if a.release:
            groups[(a.release.table, a.release.foia_number, a.release.fiscal_year, a.release.title)].append(a)
    for group in groups.values():
        winner = None
        for a in sorted(group, key=lambda a: (a.last_observed, a.sha256), reverse=True):
            error = None
            if winner is None:
                error = _insert(con, a, memo)
                winner = None if error else a.sha256
            _describe(con, a, error, None if error or winner == a.sha256 else winner)


def _insert(con: duckdb.DuckDBPyConnection, a: Archived, memo: Memo) -> str | None:
    """Load the file's rows; the reason it cannot be read, if it cannot (none of its rows are kept)."""
    assert a.release is not None
    table = TABLES[a.release.table]
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM {_rows(con, a, table, memo)}")
        return None
    except duckdb.Error as exc:  # e.g. a gzip cut short
        con.execute(f"DELETE FROM {table} WHERE sha256 = $sha", {"sha": a.sha256})
        error = f"cannot be read as a FOIA release of {a.release.table}: {_first_line(exc)}"
        con.execute("UPDATE files SET status = 'rejected', error = $e WHERE sha256 = $s", {"e": error, "s": a.sha256})
        return error


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


def _rows(con: duckdb.DuckDBPyConnection, a: Archived, table: str, memo: Memo) -> str:
    """A DuckDB relation of the release's rows in the table's columns and order."""
    assert a.release is not None
    columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    typed = {c: c for c in columns} | {
        "sha256": f"'{a.sha256}'",
        "fiscal_year": "CAST(year(date) + (month(date) >= 10)::INT AS INTEGER)",  # October starts the year
    }
    query = f"SELECT {', '.join(f'{typed[c]} AS {c}' for c in columns)} FROM ({ice_foia.select(a.path, a.release)})"
    kept = memo.blob("foia", a.sha256, ".parquet")
    if kept is None:
        return f"({query})"
    if not kept.exists():
        kept.parent.mkdir(parents=True, exist_ok=True)
        tmp = kept.with_name(f".tmp-{kept.name}")
        try:
            con.execute(f"COPY ({query}) TO '{tmp}' (FORMAT parquet)")
            os.replace(tmp, kept)
        finally:
            tmp.unlink(missing_ok=True)
    return f"read_parquet('{kept}')"
