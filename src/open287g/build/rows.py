"""Roster rows: raw cells kept next to their normalised values, one dict per data row."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from ..domain import links, vocab
from ..domain.dates import parse_signed
from ..domain.text import cell_text, clean, clean_name, fold
from ..sources.ice_roster import LINK_COLUMNS, Sheet

_URLISH = ("http://", "https://", "www.")


def normalise(sheet: Sheet) -> tuple[list[dict], str]:
    """(rows, content hash). The content hash identifies a publication: its kind, columns and cells,
    with link targets unwrapped (SafeLinks wrappers and Wayback timestamps differ between otherwise
    identical tables); row positions and blank rows do not count."""
    h = hashlib.sha256(json.dumps([sheet.kind, sheet.columns]).encode())
    out = []
    for row in sheet.rows:
        rec, content = _row(tuple(row.cells.items()), tuple(sorted(row.links.items())))
        h.update(content)
        out.append({"row_number": row.row_number, **rec})
    return out, h.hexdigest()


# Consecutive publications repeat almost all their rows: normalise each distinct raw row once.
@lru_cache(maxsize=1 << 15)
def _row(cells_items: tuple, link_items: tuple) -> tuple[dict, bytes]:
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
        "county_raw": county_raw,
        "county": None if county_raw is None or vocab.is_missing(county_raw) else clean_name(county_raw),
        "model_raw": cell_text(c.get("MODEL")),
        "model": vocab.model_code(c.get("MODEL")),
        "signed_raw": cell_text(c.get("SIGNED")) if "SIGNED" in c else None,
        "signed": signed,
        "signed_rule": signed_rule,
    }
    content = []
    for column, value in cells_items:
        if column not in LINK_COLUMNS:
            content.append(cell_text(value))
    for column in LINK_COLUMNS:
        link = _link(column.lower(), c, targets, column)
        rec.update(link)
        if column in c:
            text = link[f"{column.lower()}_text"]
            content += [None if text == link[f"{column.lower()}_target"] else text, link[f"{column.lower()}_url"]]
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
