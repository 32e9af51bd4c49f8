"""ICE's newer enforcement releases as the Deportation Data Project posts them (DOMAIN §5.2): arrests and detainers
from ICE's ERO-LESA Statistical Tracking Unit, obtained through FOIA litigation.

They come in three forms: the raw release as ICE produced it (`.xlsx`, title lines above the header, a long table
split over several sheets), and the project's processed files (`.parquet` and `.csv`, snake_case names such as
`apprehension_date`). A column is known by its name in either spelling ("Apprehension Date", `apprehension_date`).

`sniff` says which table a file is from its header (for a workbook, from the strings it holds, without reading its
cells); `select` is the SQL DuckDB runs over the file itself, typed, in our columns. A workbook is first written
once as Parquet of text cells (`to_parquet`, streamed in batches: memory stays bounded), which DuckDB then reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HEAD_BYTES = 64 * 1024
PREAMBLE_MAX = 20  # title lines above the header
BATCH_ROWS = 100_000

# table -> [(our column, the release's names (normalised, see `key`), type)]; the first name is the usual one
COLUMNS: dict[str, list[tuple[str, tuple[str, ...], str]]] = {
    "arrests": [
        ("date", ("apprehension_date",), "date"),
        ("state", ("apprehension_state",), "text"),
        ("aor", ("apprehension_aor",), "text"),
        ("program", ("final_program",), "text"),
        ("method", ("apprehension_method",), "text"),
        ("criminality", ("apprehension_criminality",), "text"),
        ("landmark", ("apprehension_site_landmark",), "text"),
        ("citizenship", ("citizenship_country",), "text"),
        ("gender", ("gender",), "text"),
    ],
    "detainers": [
        ("date", ("detainer_prepare_date", "prepare_date"), "date"),
        ("state", ("facility_state",), "text"),
        ("aor", ("facility_aor",), "text"),
        ("facility", ("detention_facility",), "text"),
        ("facility_code", ("detention_facility_code",), "text"),
        ("city", ("facility_city",), "text"),
        ("program", ("tod_final_program", "final_program"), "text"),
        ("method", ("apprehension_method",), "text"),
        ("criminality", ("detainer_prepared_criminality",), "text"),
        ("lift_reason", ("detainer_lift_reason",), "text"),
        ("detainer_type", ("detainer_type",), "text"),
        ("citizenship", ("citizenship_country",), "text"),
        ("gender", ("gender",), "text"),
    ],
}
# the columns a file must have to be read as the table (the others are NULL when a release lacks them)
REQUIRED = {
    "arrests": ("date", "method", "aor", "landmark"),
    "detainers": ("date", "facility", "state", "program"),
}
KINDS = tuple(COLUMNS)
FORMATS = ("xlsx", "parquet", "csv")
_STRING = re.compile(rb"<t(?: [^>]*)?>([^<]{2,80})</t>")  # a cell's text in a workbook's XML


class DdpError(ValueError):
    """A file that looks like one of these releases but cannot be read as one; the message says why."""


@dataclass(frozen=True)
class Release:
    table: str  # arrests | detainers
    format: str  # xlsx | parquet | csv
    columns: tuple[str, ...]  # the header as released (a workbook: the names found among its strings)
    names: tuple[tuple[str, str], ...]  # (our column, the release's column) for those it has
    header_line: int = 0  # csv: 0-based line of the header
    delimiter: str = ","
    compression: str = "none"  # csv: gzip | none
    foia_number: str | None = None  # not in these files (the project's pages give them)
    title: str | None = None
    fiscal_year: int | None = None


def key(name: str) -> str:
    """A column's name in one spelling: 'Apprehension Site Landmark' and `apprehension_site_landmark` alike."""
    return "_".join(re.findall(r"[a-z0-9]+", name.lower()))


def match(cells: list[str]) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """The table whose required columns a header has, and how its columns map to ours."""
    keyed: dict[str, str] = {}
    for c in cells:
        keyed.setdefault(key(c), c)
    for table, columns in COLUMNS.items():
        names = tuple(
            (ours, keyed[found]) for ours, alts, _ in columns if (found := next((k for k in alts if k in keyed), None))
        )
        if set(REQUIRED[table]) <= {ours for ours, _ in names}:
            return table, names
    return None


def sniff(path: Path, head: bytes) -> Release | None:
    """The release this file is (from its first bytes, or a workbook's strings); None when it is not one."""
    if head[:4] == b"PAR1":
        return _sniff_parquet(path)
    if head[:2] == b"PK":
        return _sniff_xlsx(path)
    return _sniff_text(head)


def _sniff_parquet(path: Path) -> Release | None:
    try:
        cells = list(pq.read_schema(path).names)
    except (OSError, pa.ArrowException):
        return None
    found = match(cells)
    return Release(found[0], "parquet", tuple(cells), found[1]) if found else None


def _sniff_text(head: bytes) -> Release | None:
    compression = "none"
    if head[:2] == b"\x1f\x8b":
        try:  # the head of a gzip stream gives its first lines
            head = zlib.decompressobj(wbits=31).decompress(head, HEAD_BYTES)
        except zlib.error:
            return None
        compression = "gzip"
    text = head.decode("utf-8", "replace")
    for i, line in enumerate(text.splitlines()[:PREAMBLE_MAX]):
        delimiter = max((",", "|", "\t"), key=line.count)
        cells = [c.strip() for c in next(csv.reader(io.StringIO(line), delimiter=delimiter), [])]
        if found := match(cells):
            return Release(found[0], "csv", tuple(cells), found[1], i, delimiter, compression)
    return None


def _sniff_xlsx(path: Path) -> Release | None:
    """A workbook holding a table's header names among its strings. Only the strings are read (the shared strings
    of a release of a million rows are read in well under a second); which rows are the header, and which sheets
    hold the table, `to_parquet` finds when it reads the cells."""
    try:
        with zipfile.ZipFile(path) as z:
            members = [n for n in z.namelist() if n == "xl/sharedStrings.xml" or n.startswith("xl/worksheets/")]
            strings: set[str] = set()
            for name in sorted(members)[:3]:  # the shared strings, and the first sheets for inline strings
                with z.open(name) as fh:
                    tail = b""
                    while chunk := fh.read(1 << 20):
                        block = tail + chunk
                        strings.update(t.decode("utf-8", "replace") for t in _STRING.findall(block))
                        if found := match(sorted(strings)):
                            return Release(found[0], "xlsx", tuple(t for _, t in found[1]), found[1])
                        tail = block[-256:]
    except (OSError, zipfile.BadZipFile, KeyError):
        return None
    return None


def select(paths: list[Path], release: Release) -> str:
    """DuckDB SQL selecting the rows of files laid out alike (`release`: one of them; a workbook: its Parquet of
    text cells, `to_parquet`) in our columns, and `filename`: dates typed (ISO, with or without a time, or
    M/D/YYYY), text trimmed, blanks and redactions ("(b)(6), (b)(7)(c)") NULL; a column the release lacks, NULL."""
    files = ", ".join(f"'{_quoted(p)}'" for p in paths)
    if release.format == "csv":
        src = (
            f"read_csv([{files}], delim = '{release.delimiter}', quote = '\"', escape = '\"', header = true, "
            f"skip = {release.header_line}, all_varchar = true, compression = '{release.compression}', "
            "strict_mode = true, filename = true)"
        )
    else:
        src = f"read_parquet([{files}], filename = true)"
    theirs = {ours: key(t) if release.format == "xlsx" else t for ours, t in release.names}
    cols = []
    for ours, _, kind in COLUMNS[release.table]:
        if ours not in theirs:
            cols.append(f"NULL::{'DATE' if kind == 'date' else 'VARCHAR'} AS {ours}")
            continue
        raw = f"nullif(trim(CAST(\"{theirs[ours]}\" AS VARCHAR)), '')"
        value = (
            f"coalesce(try_cast({raw} AS TIMESTAMP)::DATE, "
            f"try_strptime({raw}, ['%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %I:%M:%S %p'])::DATE)"
            if kind == "date"
            else raw
        )
        cols.append(f"CASE WHEN starts_with(lower({raw}), '(b)(') THEN NULL ELSE {value} END AS {ours}")
    return f"SELECT {', '.join(cols)}, filename FROM {src}"


def to_parquet(path: Path, release: Release, out: Path) -> int:
    """Write a workbook's table as Parquet of text cells (`out`), from every sheet whose top rows hold its header
    (a release longer than a sheet continues on the next), and return its rows. Each sheet's header must name
    the same columns. Dates become ISO text; whole numbers lose their '.0'."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several unrelated types
        raise DdpError(f"not a readable workbook ({exc})") from None
    header: list[str] | None = None
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        for sheet_name in book.sheet_names:
            cells = book.get_sheet_by_name(sheet_name).iter_rows()
            found = None
            for _ in range(PREAMBLE_MAX):
                top = next(cells, None)
                if top is None:
                    break
                cells_text = [_text(c) or "" for c in top]
                if (m := match(cells_text)) and m[0] == release.table:
                    found = cells_text
                    break
            if found is None:
                continue  # a notes or codebook sheet
            width = max(i for i, n in enumerate(found) if n) + 1
            found = found[:width]
            if header is None:
                header = found
                keys = [key(n) or f"column_{i + 1}" for i, n in enumerate(header)]  # as `select` reads them
                keys = [k if k not in keys[:i] else f"{k}_{i + 1}" for i, k in enumerate(keys)]
                writer = pq.ParquetWriter(out, pa.schema([(k, pa.string()) for k in keys]))
            elif [key(n) for n in found] != [key(n) for n in header]:
                raise DdpError(f"sheet {sheet_name!r} has other columns than the first sheet of the table")
            assert writer is not None
            batch: list[list] = []
            for row in cells:
                batch.append(row)
                if len(batch) == BATCH_ROWS:
                    rows += _write(writer, batch, width)
                    batch = []
            rows += _write(writer, batch, width)
    finally:
        if writer is not None:
            writer.close()
        book.close()
    if header is None:
        raise DdpError(f"no sheet has the header of the {release.table} table in its first {PREAMBLE_MAX} rows")
    return rows


def _write(writer: pq.ParquetWriter, batch: list[list], width: int) -> int:
    """One batch of rows, column by column; rows with no value at all (a sheet's blank tail) are dropped."""
    batch = [r for r in batch if any(c not in (None, "") for c in r[:width])]
    if batch:
        columns = [[_text(r[i]) if i < len(r) else None for r in batch] for i in range(width)]
        writer.write_table(pa.Table.from_arrays([pa.array(c, pa.string()) for c in columns], schema=writer.schema))
    return len(batch)


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_ending(path: Path, release: Release) -> None:
    """A text file cut short mid-row is refused (strict reading refuses most; DuckDB refuses a torn gzip or
    Parquet file itself)."""
    if release.format == "csv" and release.compression == "none":
        with path.open("rb") as fh:
            fh.seek(-1, 2)
            if fh.read(1) not in (b"\n", b"\r"):
                raise DdpError("its last line has no end (the file was cut short?)")


def layout(release: Release) -> tuple:
    """What files must share to be read together."""
    return (
        "ddp",
        release.table,
        release.format,
        release.header_line,
        release.delimiter,
        release.compression,
        release.names,
    )


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
