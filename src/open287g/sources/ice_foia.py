"""ICE's enforcement records released under FOIA, read where they lie (DOMAIN §5.2, MANIFEST §3).

The national ERO-LESA releases (FOIA 2019-ICFO-53623: arrests, encounters, removals, one file per fiscal year)
are pipe-delimited text, often gzipped, with preamble lines (the unit, "For Official Use Only", the FOIA number,
a blank line, the title) before the header. `sniff` recognises a release from its first bytes and says which
table it is; `select` is the SQL that DuckDB runs over the file itself, typed and with the release's own column
names mapped to ours, so millions of rows never pass through Python.
"""

from __future__ import annotations

import csv
import io
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

HEAD_BYTES = 64 * 1024  # preamble and header fit in far less
PREAMBLE_MAX = 20

# table -> [(our column, the release's column, type)]; a release names its table by these columns
COLUMNS: dict[str, list[tuple[str, str, str]]] = {
    "arrests": [
        ("aor", "Area of Responsibility", "text"),
        ("date", "Apprehension Date", "date"),
        ("method", "Apprehension Method", "text"),
        ("landmark", "Apprehension Landmark", "text"),
        ("operation", "Operation", "text"),
        ("disposition", "Processing Disposition", "text"),
        ("citizenship", "Citizenship", "text"),
        ("gender", "Gender", "text"),
    ],
    "encounters": [
        ("aor", "Event Area of Responsibility", "text"),
        ("date", "Event Date", "date"),
        ("landmark", "Landmark", "text"),
        ("operation", "Operation", "text"),
        ("disposition", "Processing Disposition", "text"),
        ("citizenship", "Citizenship", "text"),
        ("gender", "Gender", "text"),
    ],
    "removals": [
        ("aor", "Area of Responsibility", "text"),
        ("apprehension_date", "Apprehension Date", "date"),
        ("disposition", "Processing Disposition Code", "text"),
        ("citizenship", "Citizenship", "text"),
        ("gender", "Gender", "text"),
        ("threat_level", "RC Threat Level", "text"),
        ("charge", "Final Charge Section", "text"),
        ("departed_date", "Departed Date", "date"),
        ("date", "Removal Date", "date"),
    ],
}
KINDS = tuple(COLUMNS)
_FOIA_NUMBER = re.compile(r"^\d{4}-[A-Z]{2,6}-\d{3,6}$")
_FISCAL_YEAR = re.compile(r"\bFY\s?(\d{4})\b")


class FoiaError(ValueError):
    """A file that looks like a release but cannot be read as one; the message says why."""


@dataclass(frozen=True)
class Release:
    table: str  # arrests | encounters | removals
    foia_number: str | None  # e.g. 2019-ICFO-53623
    title: str | None  # e.g. "ERO Administrative Arrests for FY2016"
    fiscal_year: int | None  # the year the title names
    header_line: int  # 0-based line of the header
    compression: str  # gzip | none
    columns: tuple[str, ...]  # the header as released
    format: str = "lesa_text"


def _head(data: bytes) -> tuple[str, str]:
    if data[:2] == b"\x1f\x8b":
        try:
            return zlib.decompressobj(wbits=31).decompress(data[: HEAD_BYTES * 4], HEAD_BYTES).decode(
                "utf-8", "replace"
            ), "gzip"
        except zlib.error as exc:
            raise FoiaError(f"not a readable gzip file ({exc})") from None
    return data[:HEAD_BYTES].decode("utf-8", "replace"), "none"


def sniff(data: bytes) -> Release | None:
    """The release this file is, from its first bytes; None when it is not one (or not a national release)."""
    try:
        text, compression = _head(data)
    except FoiaError:
        return None
    lines = text.splitlines()[:PREAMBLE_MAX]
    for i, line in enumerate(lines):
        cells = [c.strip() for c in next(csv.reader(io.StringIO(line), delimiter="|"), [])]
        for table, columns in COLUMNS.items():
            if cells and cells[0] == columns[0][1] and {c for _, c, _ in columns} <= set(cells):
                preamble = [c for ln in lines[:i] for c in next(csv.reader(io.StringIO(ln), delimiter="|"), []) if c]
                number = next((c.strip() for c in preamble if _FOIA_NUMBER.match(c.strip())), None)
                title = preamble[-1].strip() if preamble else None
                fy = _FISCAL_YEAR.search(title or "")
                return Release(table, number, title, int(fy.group(1)) if fy else None, i, compression, tuple(cells))
    return None


def select(paths: list[Path], release: Release) -> str:
    """DuckDB SQL selecting the rows of files holding the same table laid out alike (`release`: one of them) in
    our columns, and `filename`, the path each row came from: dates typed (M/D/YYYY), text trimmed, blanks and
    redactions (a value withheld, such as "(B)(6);(B)(7)(C) ") NULL. One read over several files reads them on
    every core."""
    files = ", ".join(f"'{quoted(p)}'" for p in paths)
    src = (
        f"read_csv([{files}], delim = '|', quote = '\"', escape = '\"', header = true, "
        f"skip = {release.header_line}, all_varchar = true, compression = '{release.compression}', "
        "strict_mode = true, filename = true)"
    )
    cols = []
    for ours, theirs, kind in COLUMNS[release.table]:
        raw = f'"{theirs}"'
        value = f"try_strptime({raw}, '%m/%d/%Y')::DATE" if kind == "date" else f"nullif(trim({raw}), '')"
        cols.append(f"CASE WHEN starts_with({raw}, '(B)(') THEN NULL ELSE {value} END AS {ours}")
    return f"SELECT {', '.join(cols)}, filename FROM {src}"


def check_ending(path: Path, release: Release) -> None:
    """A text file cut short mid-row is refused (strict reading refuses most; a gzip cut short, DuckDB does)."""
    if release.compression == "none":
        with path.open("rb") as fh:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) not in (b"\n", b"\r"):
                raise FoiaError("its last line has no end (the file was cut short?)")


def layout(release: Release) -> tuple:
    """What files must share to be read together."""
    return (release.table, release.header_line, release.compression, release.columns)


def quoted(path: Path) -> str:
    """A path inside a SQL string literal."""
    return str(path).replace("'", "''")
