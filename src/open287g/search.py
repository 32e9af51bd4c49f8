"""Full-text search over every MOA page: an SQLite FTS5 index beside the warehouse.

DuckDB's fts extension cannot be downloaded here; SQLite's FTS5 ships with Python (public domain,
bm25 ranking, snippets). The index is derived data: `<db stem>.search.sqlite`, made from the
warehouse's `document_pages` after each build, written to a new file and renamed over the old one,
and stamped with the build it was made from; a search against a stale or missing index makes it
again first. Words match whole (case and accents folded, "terminat*" for a prefix); "quoted words"
match as a phrase.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import duckdb

STAMP_KEYS = ("archive_digest", "code_digest", "tables_digest")
SNIPPET_TOKENS = 24


@dataclass(frozen=True)
class Hit:
    sha256: str
    page: int
    snippet: str  # the matched passage, the matched words between «»
    rank: float


def index_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.stem + ".search.sqlite")


def _stamp(con: duckdb.DuckDBPyConnection) -> str:
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    return "|".join(meta.get(k, "") for k in STAMP_KEYS)


def build(db_path: Path, con: duckdb.DuckDBPyConnection) -> Path:
    """Write the index of the warehouse open on `con` (atomically) and return its path."""
    target = index_path(db_path)
    tmp = target.with_name(f".{target.name}.building-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    out = sqlite3.connect(tmp)
    try:
        out.execute("CREATE TABLE meta (stamp TEXT)")
        out.execute("INSERT INTO meta VALUES (?)", (_stamp(con),))
        out.execute(
            "CREATE VIRTUAL TABLE pages USING fts5(sha256 UNINDEXED, page UNINDEXED, text, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
        rows = con.execute("SELECT sha256, page, text FROM document_pages ORDER BY sha256, page").fetchall()
        out.executemany("INSERT INTO pages VALUES (?, ?, ?)", rows)
        out.execute("INSERT INTO pages(pages) VALUES ('optimize')")
        out.commit()
    finally:
        out.close()
    os.replace(tmp, target)
    return target


def fresh(db_path: Path, con: duckdb.DuckDBPyConnection) -> Path:
    """The index of this build, made first when missing or made from another build."""
    path = index_path(db_path)
    if path.exists():
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as idx:
                if idx.execute("SELECT stamp FROM meta").fetchone()[0] == _stamp(con):
                    return path
        except sqlite3.Error:
            pass
    return build(db_path, con)


def match_expression(text: str) -> str | None:
    """The user's words as an FTS5 query: each word (or "quoted phrase") must occur; a trailing * is a
    prefix. Everything else FTS5 would read as syntax is dropped, so no input is an error."""
    parts = []
    for phrase, word in re.findall(r'"([^"]+)"|(\S+)', text):
        if phrase:
            words = re.findall(r"\w+", phrase)
            if words:
                parts.append('"' + " ".join(words) + '"')
            continue
        prefix = word.endswith("*")
        for w in re.findall(r"\w+", word):
            parts.append(f'"{w}"' + ("*" if prefix else ""))
    return " AND ".join(parts) or None


def search(path: Path, text: str, limit: int = 50, offset: int = 0) -> tuple[list[Hit], int]:
    """(hits best first, total number of matching pages)."""
    expr = match_expression(text)
    if expr is None:
        return [], 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as idx:
        total = idx.execute("SELECT count(*) FROM pages WHERE pages MATCH ?", (expr,)).fetchone()[0]
        # rank every matching page, but make passages only for the pages shown: a snippet costs far more
        # than a score, and ICE's templates put the same words on every MOA
        rows = idx.execute(
            "WITH top AS (SELECT rowid, rank FROM pages WHERE pages MATCH ?1 ORDER BY rank, rowid LIMIT ?2 OFFSET ?3) "
            "SELECT sha256, page, snippet(pages, 2, '«', '»', '…', ?4), top.rank FROM pages JOIN top "
            "ON pages.rowid = top.rowid WHERE pages MATCH ?1 ORDER BY top.rank, top.rowid",
            (expr, limit, offset, SNIPPET_TOKENS),
        ).fetchall()
    return [Hit(s, int(p), " ".join(snip.split()), float(r)) for s, p, snip, r in rows], int(total)
