"""Roster rows: raw cells kept next to their normalised values.

Consecutive publications repeat almost all their rows, so each distinct raw row (cells and hyperlink
targets) is normalised once and stored once (`row_values`, keyed by `row_hash`); a publication is the
list of (row_number, row_hash) pairs that point at them.
"""

from __future__ import annotations

import hashlib
import json

from ..domain import links, vocab
from ..domain.dates import parse_signed
from ..domain.text import cell_text, clean, clean_name, fold
from ..sources.ice_roster import LINK_COLUMNS, Sheet

_URLISH = ("http://", "https://", "www.")


class RowStore:
    """The distinct rows met during one build. `drain()` hands over the records not handed over yet,
    so a worker process sends each distinct row to the build only once."""

    def __init__(self) -> None:
        self._by_raw: dict[tuple, tuple[str, bytes]] = {}
        self._new: dict[str, dict] = {}

    def add(self, cells_items: tuple, link_items: tuple) -> tuple[str, bytes]:
        key = (cells_items, link_items)
        hit = self._by_raw.get(key)
        if hit is None:
            rec, content = _normalise_row(cells_items, link_items)
            raw = json.dumps([[c, cell_text(v)] for c, v in cells_items] + [list(x) for x in link_items])
            rec["row_hash"] = hashlib.sha1(raw.encode()).hexdigest()[:20]
            self._new[rec["row_hash"]] = rec
            hit = self._by_raw[key] = (rec["row_hash"], content)
        return hit

    def drain(self) -> dict[str, dict]:
        new, self._new = self._new, {}
        return new


def normalise(sheet: Sheet, store: RowStore) -> tuple[list[tuple[int, str]], str]:
    """([(row_number, row_hash)], content hash). The content hash identifies a publication: its kind,
    columns and cells, with link targets unwrapped (SafeLinks wrappers and Wayback timestamps differ
    between otherwise identical tables); row positions and blank rows do not count."""
    h = hashlib.sha256(json.dumps([sheet.kind, sheet.columns]).encode())
    out = []
    for row in sheet.rows:
        row_hash, content = store.add(tuple(row.cells.items()), tuple(sorted(row.links.items())))
        h.update(content)
        out.append((row.row_number, row_hash))
    return out, h.hexdigest()


def _type_rule(raw: str | None) -> str:
    """How TYPE was read: absent (no such column), missing (blank or a marker such as N/A), table
    (data/agency_types.csv knows it) or unmapped."""
    if raw is None:
        return "absent"
    if vocab.is_missing(raw):
        return "missing"
    return "table" if vocab.agency_type(raw) else "unmapped"


def _normalise_row(cells_items: tuple, link_items: tuple) -> tuple[dict, bytes]:
    c, targets = dict(cells_items), dict(link_items)
    signed, signed_rule = parse_signed(c.get("SIGNED")) if "SIGNED" in c else (None, "absent")
    county_raw = cell_text(c.get("COUNTY")) if "COUNTY" in c else None
    type_raw = cell_text(c.get("TYPE")) if "TYPE" in c else None
    agency = clean_name(c.get("AGENCY"))
    rec = {
        "state_raw": cell_text(c.get("STATE")),
        "state": vocab.state_code(c.get("STATE")),
        "agency_raw": cell_text(c.get("AGENCY")),
        "agency": agency,
        "agency_key": fold(agency),
        "type_raw": type_raw,
        "agency_type": vocab.agency_type(type_raw),
        "type_rule": _type_rule(type_raw),
        "county_raw": county_raw,
        "county": None if county_raw is None or vocab.is_missing(county_raw) else clean_name(county_raw),
        "model_raw": cell_text(c.get("MODEL")),
        "model": vocab.model_code(c.get("MODEL")),
        "signed_raw": cell_text(c.get("SIGNED")) if "SIGNED" in c else None,
        "signed": signed,
        "signed_rule": signed_rule,
    }
    content: list[str | None] = [cell_text(value) for column, value in cells_items if column not in LINK_COLUMNS]
    for column in LINK_COLUMNS:
        prefix = column.lower()
        link = _link(prefix, c, targets, column)
        rec.update(link)
        if column in c:
            text = link[f"{prefix}_text"]
            content += [None if text == link[f"{prefix}_target"] else text, link[f"{prefix}_url"]]
    rec["row_key"] = row_key(rec)
    return rec, json.dumps(content, ensure_ascii=False).encode()


def _link(prefix: str, cells: dict, targets: dict, column: str) -> dict:
    if column not in cells:
        return {f"{prefix}_{k}": None for k in ("text", "target", "url", "repairs", "state")}
    text = cell_text(cells.get(column))
    target = targets.get(column)
    if target is None and clean(text).lower().startswith(_URLISH):
        target = text.strip()  # the 2021-2025 web tables hold the URL as text
    url, repairs = links.unwrap(target)
    return {
        f"{prefix}_text": text,
        f"{prefix}_target": target,
        f"{prefix}_url": url,
        f"{prefix}_repairs": repairs,
        f"{prefix}_state": links.link_state(text, url),
    }


def row_key(rec: dict) -> str:
    """What makes two rows 'the same listing' across publications, after normalisation."""
    signed = rec["signed"].isoformat() if rec["signed"] else rec["signed_raw"]
    parts = [rec["state"] or fold(rec["state_raw"]), rec["agency_key"], rec["model"] or fold(rec["model_raw"]), signed]
    return hashlib.sha1(json.dumps(parts).encode()).hexdigest()[:16]


def linked_documents(sheet: Sheet) -> list[str]:
    """The MOA and addendum URLs a sheet's rows link, unwrapped as the rows read them (sync fetches them)."""
    out = []
    for row in sheet.rows:
        for column in LINK_COLUMNS:
            if column in row.cells:
                url = _link(column.lower(), row.cells, row.links, column)[f"{column.lower()}_url"]
                if url and url.lower().startswith(("http://", "https://")):
                    out.append(url)
    return out
