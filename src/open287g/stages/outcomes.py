"""Enforcement outcomes: ICE's FOIA releases loaded into the warehouse by DuckDB reading the archived files where
they lie, one typed row per released row. Two kinds of release are read: the national ERO-LESA text files
(sources/ice_foia.py: arrests, encounters, removals) and the newer releases the Deportation Data Project posts
(sources/ddp.py: arrests and detainers, as workbooks, Parquet or CSV); their arrests go into the same table.

Each archived release is described in `foia_files`. Which files hold the same rows is decided by the rows, not by
titles or FOIA numbers (a re-release may retitle its days, a file may lose its preamble, a newer release may
overlap an older one by months): for each table, the newest observed file counts for every day from its first to
its last, and an older file keeps only its rows outside the days newer files cover. A file left with none is
`superseded` by the newest that covers its days, so no arrest is counted twice. A file DuckDB cannot read strictly
(a gzip or a text cut short, a row of the wrong width, a workbook whose sheets disagree) is `rejected` with the
reason and none of its rows are kept.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ..archive import Observation
from ..memo import Memo
from ..sources import ddp, ice_foia, local

KIND = local.FOIA  # the kind hint of an archived release
TABLES = {
    "arrests": "foia_arrests",
    "encounters": "foia_encounters",
    "removals": "foia_removals",
    "detainers": "foia_detainers",
}
# a detainer is a 287(g) detainer when its program names 287(g) (DOMAIN §5.2: the program field, match /287g/)
VIA_287G = r"regexp_matches(coalesce(program, ''), '287\s*\(?g', 'i')"
Release = ice_foia.Release | ddp.Release


def is_foia(o: Observation) -> bool:
    return o.kind_hint == KIND


@dataclass(frozen=True)
class Archived:
    sha256: str
    path: Path
    release: Release | None  # None: not readable as a release
    names: tuple[str, ...]
    last_observed: tuple[str, str]  # (day, time when known): the newest observation
    size: int


def sniff(path: Path, head: bytes) -> Release | None:
    """The release a file is, national or newer, from its first bytes (a workbook or Parquet file: its strings or
    schema); None when it is neither."""
    return ice_foia.sniff(head) or ddp.sniff(path, head)


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
            sniff(path(sha), read_head(sha)),
            tuple(sorted({o.name for o in obs})),
            max((o.observed_on, o.observed_at) for o in obs),
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
    """Fill foia_files and the foia_* row tables in the warehouse being built (see the module's rules). The rows
    of the files read together are kept as Parquet in the memo, which the next build reads instead of the text."""
    newest_first = sorted((a for a in archived if a.release), key=lambda a: (a.last_observed, a.sha256), reverse=True)
    failed = _insert_all(con, newest_first, memo)
    rows: dict[str, int] = {}
    counted: dict[str, int] = {}
    superseded: dict[str, str] = {}
    claimed: dict[str, list[tuple]] = defaultdict(list)  # table -> (first day, last day, file) of newer files
    for a in newest_first:
        if a.sha256 in failed:
            continue
        table, sha = _table(a), {"s": a.sha256}
        rows[a.sha256], first, last = con.execute(
            f"SELECT count(*), min(date), max(date) FROM {table} WHERE sha256 = $s", sha
        ).fetchone() or (0, None, None)
        if claimed[table]:
            spans = ", ".join(f"('{f}'::DATE, '{t}'::DATE, '{by}')" for f, t, by in claimed[table])
            covered = con.execute(
                f"""SELECT s.owner, count(*) FROM {table} r JOIN (VALUES {spans}) s(first, last, owner)
                    ON r.date BETWEEN s.first AND s.last WHERE r.sha256 = $s GROUP BY 1 ORDER BY 2 DESC, 1""",
                sha,
            ).fetchall()
            inside = " OR ".join(f"date BETWEEN '{f}' AND '{t}'" for f, t, _ in claimed[table])
            con.execute(f"DELETE FROM {table} WHERE sha256 = $s AND ({inside})", sha)
            if covered and not _count(con, f"SELECT count(*) FROM {table} WHERE sha256 = $s AND date IS NOT NULL", sha):
                superseded[a.sha256] = covered[0][0]
                con.execute(f"DELETE FROM {table} WHERE sha256 = $s", sha)  # its undated rows go with it
        counted[a.sha256] = _count(con, f"SELECT count(*) FROM {table} WHERE sha256 = $s", sha)
        if first is not None:
            claimed[table].append((first, last, a.sha256))
    for a in archived:
        if a.release:
            _describe(
                con, a, rows.get(a.sha256, 0), counted.get(a.sha256, 0), failed.get(a.sha256), superseded.get(a.sha256)
            )


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> int:
    row = con.execute(sql, params).fetchone()
    return int(row[0]) if row else 0


def _table(a: Archived) -> str:
    assert a.release is not None
    return TABLES[a.release.table]


_UNREADABLE = (duckdb.Error, ice_foia.FoiaError, ddp.DdpError, OSError)


def _insert_all(con: duckdb.DuckDBPyConnection, files: list[Archived], memo: Memo) -> dict[str, str]:
    """Load every file's rows, those laid out alike in one read; sha256 -> the reason a file cannot be read
    (none of its rows are kept, and it is rejected)."""
    batches: dict[tuple, list[Archived]] = defaultdict(list)
    for a in files:
        assert a.release is not None
        batches[_reader(a.release).layout(a.release)].append(a)
    failed: dict[str, str] = {}
    for batch in batches.values():
        try:
            _insert(con, batch, memo)
        except _UNREADABLE as exc:  # which file: one at a time
            if len(batch) == 1:
                failed[batch[0].sha256] = _first_line(exc)
                continue
            for a in batch:
                try:
                    _insert(con, [a], memo)
                except _UNREADABLE as exc_alone:
                    failed[a.sha256] = _first_line(exc_alone)
    for a in files:
        if a.sha256 in failed:
            assert a.release is not None
            error = failed[a.sha256] = f"cannot be read as a FOIA release of {a.release.table}: {failed[a.sha256]}"
            sql = "UPDATE files SET status = 'rejected', error = $e WHERE sha256 = $s"
            con.execute(sql, {"e": error, "s": a.sha256})
    return failed


def _insert(con: duckdb.DuckDBPyConnection, batch: list[Archived], memo: Memo) -> None:
    """One read of files laid out alike into their table (one statement: all their rows, or none). From the
    memo's Parquet when it holds exactly these files' rows; a memo that fails is read around, never blamed on
    the release."""
    release = batch[0].release
    assert release is not None
    reader = _reader(release)
    for a in batch:
        reader.check_ending(a.path, release)
    table = TABLES[release.table]
    columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    provided = {c[0] for c in reader.COLUMNS[release.table]}
    typed = {c: c if c in provided else "NULL" for c in columns} | {
        "sha256": "m.sha256",
        "fiscal_year": "CAST(year(date) + (month(date) >= 10)::INT AS INTEGER)",  # October starts the year
        "via_287g": VIA_287G,
    }
    with _readable(batch, memo) as paths:
        shas = ", ".join(f"('{ice_foia.quoted(p)}', '{a.sha256}')" for p, a in zip(paths, batch))
        query = f"""SELECT {", ".join(f"{typed[c]} AS {c}" for c in columns)}
                    FROM ({reader.select(paths, release)}) r
                    JOIN (VALUES {shas}) m(filename, sha256) USING (filename)"""
        _run(con, table, query, batch, memo)


def _reader(release: Release) -> Any:  # the module that reads it
    return ice_foia if isinstance(release, ice_foia.Release) else ddp


@contextlib.contextmanager
def _readable(batch: list[Archived], memo: Memo) -> Iterator[list[Path]]:
    """The files DuckDB reads for a batch: the archived files, but a workbook's table as Parquet of text cells,
    written once (and kept in the memo when there is one)."""
    paths: list[Path] = []
    scratch: list[Path] = []
    try:
        for a in batch:
            assert a.release is not None
            if a.release.format != "xlsx":
                paths.append(a.path)
                continue
            kept = memo.blob("ddp_xlsx", a.sha256, ".parquet")
            if kept is None:
                kept = Path(tempfile.mkstemp(suffix=".parquet")[1])
                scratch.append(kept)
            if kept in scratch or not _whole(kept):
                tmp = kept.with_name(f".tmp-{kept.name}")
                kept.parent.mkdir(parents=True, exist_ok=True)
                try:
                    assert isinstance(a.release, ddp.Release)
                    ddp.to_parquet(a.path, a.release, tmp)
                    os.replace(tmp, kept)
                finally:
                    tmp.unlink(missing_ok=True)
            paths.append(kept)
        yield paths
    finally:
        for p in scratch:
            p.unlink(missing_ok=True)


def _whole(path: Path) -> bool:
    try:
        ddp.pq.read_metadata(path)
        return True
    except (OSError, ddp.pa.ArrowException):
        return False


def _run(con: duckdb.DuckDBPyConnection, table: str, query: str, batch: list[Archived], memo: Memo) -> None:
    """Insert the query's rows, through the memo's Parquet copy when there is a memo."""
    key = f"{duckdb.__version__}:{','.join(sorted(a.sha256 for a in batch))}"
    kept = memo.blob("foia", key, ".parquet")
    if kept is not None:
        try:
            if not _kept(con, kept, memo.get("foia_rows", key)):
                _keep(con, query, kept)
                memo.put("foia_rows", key, _counts(con, kept))
            con.execute(f"INSERT INTO {table} SELECT * FROM read_parquet('{ice_foia.quoted(kept)}')")
            return
        except duckdb.Error:  # the memo's copy (disk full, a torn file): read the text itself
            kept.unlink(missing_ok=True)
    con.execute(f"INSERT INTO {table} {query}")


def _counts(con: duckdb.DuckDBPyConnection, kept: Path) -> dict[str, int]:
    sql = f"SELECT sha256, count(*) FROM read_parquet('{ice_foia.quoted(kept)}') GROUP BY 1"
    return dict(con.execute(sql).fetchall())


def _kept(con: duckdb.DuckDBPyConnection, kept: Path, counts: dict[str, int] | None) -> bool:
    """The memo's Parquet is there and holds the rows it was written with."""
    if counts is None or not kept.exists():
        return False
    try:
        return _counts(con, kept) == counts
    except duckdb.Error:
        return False


def _keep(con: duckdb.DuckDBPyConnection, query: str, kept: Path) -> None:
    kept.parent.mkdir(parents=True, exist_ok=True)
    tmp = kept.with_name(f".tmp-{kept.name}")
    try:
        con.execute(f"COPY ({query}) TO '{ice_foia.quoted(tmp)}' (FORMAT parquet)")
        os.replace(tmp, kept)
    finally:
        tmp.unlink(missing_ok=True)


def _describe(
    con: duckdb.DuckDBPyConnection,
    a: Archived,
    rows: int,
    counted: int,
    error: str | None,
    superseded_by: str | None,
) -> None:
    """The file's line in foia_files: `rows` as read from it (counted or not), the dates of those counted."""
    assert a.release is not None
    r = a.release
    first, last = con.execute(
        f"SELECT min(date), max(date) FROM {TABLES[r.table]} WHERE sha256 = $sha", {"sha": a.sha256}
    ).fetchone() or (None, None)
    con.execute(
        """INSERT INTO foia_files
           VALUES ($sha, $table, $number, $title, $fy, $columns, $rows, $first, $last, $status, $by, $error,
                   $format, $counted)""",
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
            "format": r.format,
            "counted": counted,
        },
    )
    con.execute("UPDATE files SET data_rows = $rows WHERE sha256 = $sha", {"rows": rows, "sha": a.sha256})


def _first_line(exc: Exception) -> str:
    return next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
