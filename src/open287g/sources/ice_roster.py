"""ICE's 287(g) roster workbooks (participating and pending agencies), every layout since 2021.

`read(data)` turns the bytes of one workbook into a `Sheet`: the data rows with their raw cell
values and the hyperlink target behind each cell. Values come from python-calamine; hyperlinks from the
sheet XML inside the zip, which calamine does not expose. Anything that is not a roster raises
`RosterError` with a one-line reason.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

from python_calamine import CalamineWorkbook

from ..domain.text import cell_text, fold

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}
_RID = f"{{{_NS['r']}}}id"

# Header text (folded) -> canonical column. Every header ICE has used since 2021.
COLUMNS = {
    "state": "STATE",
    "law enforcement agency": "AGENCY",
    "agency": "AGENCY",
    "type": "TYPE",
    "county": "COUNTY",
    "support type": "MODEL",
    "signed": "SIGNED",
    "moa": "MOA",
    "addendum": "ADDENDUM",
}
REQUIRED = ("STATE", "AGENCY", "MODEL")
LINK_COLUMNS = ("MOA", "ADDENDUM")

# Column sets seen since 2021 (MANIFEST §1) -> layout name.
LAYOUTS = {
    frozenset({"STATE", "AGENCY", "MODEL", "SIGNED", "MOA"}): "participating-2021-web",
    frozenset({"STATE", "AGENCY", "TYPE", "MODEL", "SIGNED", "MOA"}): "participating-2025-02",
    frozenset({"STATE", "AGENCY", "TYPE", "COUNTY", "MODEL", "SIGNED", "MOA"}): "participating-2025-03",
    frozenset({"STATE", "AGENCY", "TYPE", "COUNTY", "MODEL", "SIGNED", "MOA", "ADDENDUM"}): "participating-2025-07",
    frozenset({"STATE", "AGENCY", "TYPE", "MODEL"}): "pending-2025-02",
    frozenset({"STATE", "AGENCY", "TYPE", "COUNTY", "MODEL"}): "pending-2025-03",
    frozenset({"STATE", "AGENCY", "TYPE", "COUNTY", "MODEL", "MOA"}): "pending-2026-01",
}
_HEADER_SCAN_ROWS = 10


class RosterError(ValueError):
    """The file is not a readable ICE roster; the message is the one-line reason."""


@dataclass
class Row:
    row_number: int  # 1-based row in the sheet
    cells: dict[str, object]  # canonical column -> raw value (str, date, number or None)
    links: dict[str, str]  # canonical column -> hyperlink target as stored in the file


@dataclass
class Sheet:
    kind: str  # 'participating' (has SIGNED) or 'pending', decided by content
    layout: str
    sheet_name: str
    columns: list[str]  # canonical columns in sheet order
    header_row: int
    rows: list[Row]
    blank_rows: int  # blank rows between/after data inside the used range
    empty_columns: int  # unnamed, empty columns dropped
    ignored_sheets: list[str] = field(default_factory=list)
    creator: str | None = None
    modified: dt.datetime | None = None
    hyperlinks: int = 0


def read(data: bytes) -> Sheet:
    """Parse one roster workbook. Raises RosterError with a one-line reason."""
    zf = _open_zip(data)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several unrelated types
        raise RosterError(f"unreadable workbook: {_one_line(exc)}") from None
    creator, modified = _core_properties(zf)
    chosen = None
    ignored = []
    for sheet_name in wb.sheet_names:
        values = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        header = _find_header(values)
        if header is None or chosen is not None:
            ignored.append(sheet_name)
            continue
        chosen = (sheet_name, values, header)
    if chosen is None:
        raise RosterError(
            "no roster header (a row with STATE and LAW ENFORCEMENT AGENCY) in any sheet "
            f"({', '.join(wb.sheet_names) or 'no sheets'})"
        )
    sheet_name, values, header_idx = chosen
    sheet = _sheet_from_values(values, header_idx, sheet_name)
    sheet.ignored_sheets, sheet.creator, sheet.modified = ignored, creator, modified
    links = _hyperlinks(zf, sheet_name)
    sheet.hyperlinks = len(links)
    col_of = _column_positions(values[header_idx])
    by_row = {r.row_number: r for r in sheet.rows}
    for (row_no, col_idx), target in links.items():
        column = col_of.get(col_idx)
        if column and row_no in by_row:
            by_row[row_no].links[column] = target
    return sheet


def modified(data: bytes) -> dt.datetime | None:
    """The workbook's own last-modified time, or None when the bytes are not a workbook."""
    try:
        return _core_properties(zipfile.ZipFile(io.BytesIO(data)))[1]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


def _open_zip(data: bytes) -> zipfile.ZipFile:
    if not data:
        raise RosterError("empty file (0 bytes)")
    if not data.startswith(b"PK"):
        head = data[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in head:
            raise RosterError("not a workbook: an HTML/XML page saved under a workbook name")
        raise RosterError(f"not a workbook: unrecognised content starting {data[:8]!r}")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        bad = zf.testzip()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise RosterError(f"damaged workbook: truncated or corrupt zip ({_one_line(exc)})") from None
    except Exception as exc:  # zlib errors inside testzip
        raise RosterError(f"damaged workbook: {_one_line(exc)}") from None
    if bad:
        raise RosterError(f"damaged workbook: corrupt member {bad}")
    if "xl/workbook.xml" not in zf.namelist():
        raise RosterError("not an Excel workbook: zip archive without xl/workbook.xml")
    return zf


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _find_header(values: list[list]) -> int | None:
    for i, row in enumerate(values[:_HEADER_SCAN_ROWS]):
        found = {COLUMNS.get(fold(v)) for v in row}
        if "STATE" in found and "AGENCY" in found:
            return i
    return None


def _column_positions(header: list) -> dict[int, str]:
    return {i: COLUMNS[fold(v)] for i, v in enumerate(header) if fold(v) in COLUMNS}


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _sheet_from_values(values: list[list], header_idx: int, sheet_name: str) -> Sheet:
    header = values[header_idx]
    positions = _column_positions(header)
    unknown = [cell_text(v).strip() for i, v in enumerate(header) if i not in positions and cell_text(v).strip()]
    if unknown:
        raise RosterError(f"unknown column(s) {', '.join(repr(u) for u in unknown)} in sheet {sheet_name!r}")
    names = list(positions.values())
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:
        raise RosterError(f"column(s) {', '.join(dupes)} appear twice in sheet {sheet_name!r}")
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise RosterError(f"missing column(s) {', '.join(missing)} in sheet {sheet_name!r}")
    data = values[header_idx + 1 :]
    unnamed = [i for i in range(len(header)) if i not in positions]
    for i in unnamed:
        used = [n for n, row in enumerate(data) if i < len(row) and cell_text(row[i]).strip()]
        if used:
            first = header_idx + 2 + used[0]
            raise RosterError(
                f"values in unnamed column {_col_letter(i)} (first at row {first}) in sheet {sheet_name!r}"
            )
    rows = []
    for n, row in enumerate(data):
        cells = {c: (row[i] if i < len(row) else None) for i, c in positions.items()}
        cells = {c: (None if v == "" else v) for c, v in cells.items()}
        if all(cell_text(v).strip() == "" for v in cells.values()):
            continue
        rows.append(Row(row_number=header_idx + 2 + n, cells=cells, links={}))
    # Blank rows after the last data row are formatting, not gaps; count only those inside the data
    # (rows header_idx + 2 .. last). A sheet without data rows counts every row below the header.
    blank = rows[-1].row_number - (header_idx + 1) - len(rows) if rows else len(data)
    kind = "participating" if "SIGNED" in names else "pending"
    layout = LAYOUTS.get(frozenset(names), f"{kind}-other")
    return Sheet(
        kind=kind,
        layout=layout,
        sheet_name=sheet_name,
        columns=names,
        header_row=header_idx + 1,
        rows=rows,
        blank_rows=blank,
        empty_columns=len(unnamed),
    )


def _core_properties(zf: zipfile.ZipFile) -> tuple[str | None, dt.datetime | None]:
    try:
        root = ET.fromstring(zf.read("docProps/core.xml"))
    except (KeyError, ET.ParseError):
        return None, None
    creator = root.findtext("dc:creator", namespaces=_NS) or None
    text = root.findtext("dcterms:modified", namespaces=_NS)
    modified = None
    if text:
        try:
            modified = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            modified = None
    return creator, modified


def _sheet_xml_path(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    try:
        wb = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return None
    rid = next((s.get(_RID) for s in wb.iter(f"{{{_NS['m']}}}sheet") if s.get("name") == sheet_name), None)
    for rel in rels.iter(f"{{{_NS['pr']}}}Relationship"):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return None


_REF = re.compile(r"\$?([A-Z]+)\$?(\d+)")
_HYPERLINK = re.compile(rb"<(?:\w+:)?hyperlink\b([^>]*)>")
# attribute name without its prefix (r:id -> id; xr:uid -> uid) -> value
_ATTR = re.compile(r'(?:\w+:)?(\w+)="([^"]*)"')


def _unescape(text: str) -> str:
    return (
        text.replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def _cell_index(ref: str) -> tuple[int, int]:
    m = _REF.fullmatch(ref)
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m[1]:
        col = col * 26 + ord(ch) - 64
    return int(m[2]), col - 1


def _hyperlinks(zf: zipfile.ZipFile, sheet_name: str) -> dict[tuple[int, int], str]:
    """(row number, 0-based column) -> external target. Only the <hyperlinks> block is parsed."""
    path = _sheet_xml_path(zf, sheet_name)
    if not path:
        return {}
    xml = zf.read(path)
    start = xml.rfind(b"<hyperlinks")
    if start < 0:
        return {}
    end = xml.find(b"</hyperlinks>", start)
    if end < 0:
        return {}
    block = xml[start:end]
    rels_path = posixpath.join(posixpath.dirname(path), "_rels", posixpath.basename(path) + ".rels")
    targets: dict[str, str] = {}
    if rels_path in zf.namelist():
        for rel in ET.fromstring(zf.read(rels_path)).iter(f"{{{_NS['pr']}}}Relationship"):
            targets[rel.get("Id", "")] = rel.get("Target", "")
    out: dict[tuple[int, int], str] = {}
    for m in _HYPERLINK.finditer(block):
        attrs = dict(_ATTR.findall(m[1].decode("utf-8", "replace")))
        target = targets.get(attrs.get("id", ""))
        if target is None:
            if not attrs.get("location"):
                continue
            target = "#" + _unescape(attrs["location"])
        ref = attrs.get("ref", "")
        try:
            if ":" in ref:
                (r1, c1), (r2, c2) = (_cell_index(x) for x in ref.split(":", 1))
            else:
                (r1, c1) = (r2, c2) = _cell_index(ref)
        except ValueError:
            continue
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                out[(r, c)] = target
    return out
